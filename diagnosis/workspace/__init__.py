"""The consultant's workspace: the client list ordered by what needs attention, acting in a
client's place (every action audited as the consultant's, for the company), data-upload
consent, visit notes, the action plan built from the roadmap, application drafts an owner
submits, and the handover to the next consultant."""
