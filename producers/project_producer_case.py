"""Stream project messages (category, sentiment, keyword, length) to data/project_json.jsonl.

Run from the project root:
`python3 -m producers.project_producer_case` (same .env names as the teaching project).
Equivalent: `buzzline produce project --transport file`. The teaching project also sent to
Kafka when a broker answered; that comes with buzzline's Kafka transport.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["produce", "project", "--transport", "file"])
