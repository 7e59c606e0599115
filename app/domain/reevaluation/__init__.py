"""Re-evaluation: follow-up rounds that reuse a round's plan, and the change since that round."""
