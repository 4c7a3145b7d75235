"""People and skills: the roles a manufacturer needs for AI, each staff member's level in them
(from a short self-check and the courses they completed), the learning path that follows from
the company's diagnosis and deployments, and enrolments with their certificates.

See docs/skills.md."""
