"""Append generated buzz messages as JSON lines to data/buzz_live.jsonl (no Kafka).

Run from the project root:
`python3 -m producers.basic_json_producer_case` (same .env names as the teaching project).
Equivalent: `buzzline produce basic --transport file`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["produce", "basic", "--transport", "file"])
