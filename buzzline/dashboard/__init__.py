"""The browser dashboard: running consumers publish their panels' data (``publisher``) to
``data/live/``; ``buzzline dashboard`` reads them (``hub``) and pushes them to the page over
server-sent events (``server``); the page (``static/``) draws them with Chart.js."""
