"""Send buzz messages from data/buzz.json (looped) to the Kafka topic BUZZ_TOPIC.

Run from the project root:
`python3 -m producers.json_producer_case` (same .env names as the teaching project).
Equivalent: `buzzline produce json --transport kafka`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["produce", "json", "--transport", "kafka"])
