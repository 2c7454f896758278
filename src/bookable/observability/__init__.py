"""What an operator sees of a running bookable: logs, metrics, health and traces."""
