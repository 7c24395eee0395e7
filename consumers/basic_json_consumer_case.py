"""Tail data/buzz_live.jsonl and keep a live bar chart of messages per author.

Run from the project root:
`python3 -m consumers.basic_json_consumer_case` (same .env names as the teaching project).
Equivalent: `buzzline consume basic --transport file`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["consume", "basic", "--transport", "file"])
