"""The engine runs producers and consumers (in threads) and the chart frame loop."""
