"""Stream project messages (category, sentiment, keyword, length) to data/project_json.jsonl
and, when a broker answers, to Kafka.

Run from the project root:
`python3 -m producers.project_producer_case` (same .env names as the teaching project).
Equivalent: `buzzline produce project --transport file --also-kafka`: like the teaching
project, it also sends to the Kafka topic PROJECT_TOPIC when a broker answers.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["produce", "project", "--transport", "file", "--also-kafka"])
