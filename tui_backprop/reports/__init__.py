"""A run told outside the app: the worked explanation in text, Markdown and JSON, the gradient table and
the history's CSV rows (explanation.py); the loss and decision-boundary charts drawn by plotext (chart.py)."""
