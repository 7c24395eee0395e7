"""Consume BUZZ_TOPIC from Kafka and draw a live bar chart of messages per author.

Run from the project root:
`python3 -m consumers.json_consumer_case` (same .env names as the teaching project).
Equivalent: `buzzline consume json --transport kafka`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["consume", "json", "--transport", "kafka"])
