"""Local stand-ins for the systems pimsync connects, and the demo catalog they serve."""
