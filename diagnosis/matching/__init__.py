"""Matching: rank (model version, compute pool) pairs for a company, with the reasons a person
can read, and measure candidate models on the company's own data."""
