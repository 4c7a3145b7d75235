"""The compute plane: the Ray clusters that back providers' pools, read and driven from here."""
