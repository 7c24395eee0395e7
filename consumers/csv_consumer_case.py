"""Consume SMOKER_TOPIC from Kafka: live temperature line chart, stalls marked in red.

Run from the project root:
`python3 -m consumers.csv_consumer_case` (same .env names as the teaching project).
Equivalent: `buzzline consume csv --transport kafka`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["consume", "csv", "--transport", "kafka"])
