"""Model health: input drift, predictions over time, live accuracy from reported labels."""
