"""Send smoker temperatures from data/smoker_temps.csv to the Kafka topic SMOKER_TOPIC; stop at EOF.

Run from the project root:
`python3 -m producers.csv_producer_case` (same .env names as the teaching project).
Equivalent: `buzzline produce csv --transport kafka`.
"""

from buzzline.cli import main

if __name__ == "__main__":
    main(["produce", "csv", "--transport", "kafka"])
