"""Deployment: model catalog, compute pools, allocation, endpoints, serving and metering."""
