"""A broker's log (``<data_dir>/broker.log``): its tail, the line that says why a start failed,
and where a start's lines begin (a big log first moves to ``broker.log.1``)."""

import contextlib
import re

from buzzline.kafka.config import BrokerConfig

MAX_LOG_BYTES = 20_000_000  # broker.log is moved to broker.log.1 at a start past this size


def tail_log(config: BrokerConfig, lines: int = 50) -> str:
    """The last ``lines`` lines of ``<data_dir>/broker.log`` ("" when there is none)."""
    if lines <= 0:
        return ""
    try:
        with open(config.log_file, "rb") as log:
            end = position = log.seek(0, 2)
            while position > 0:  # read back in blocks until there are enough lines
                position = max(0, position - 65536)
                log.seek(position)
                if log.read(end - position).count(b"\n") > lines:
                    break
            log.seek(position)
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def failure_reason(config: BrokerConfig, offset: int) -> str:
    """The most telling line the broker logged since ``offset``, without the stack trace."""
    try:
        with open(config.log_file, "rb") as log:
            log.seek(max(offset, log.seek(0, 2) - 500_000))
            lines = [ln.strip() for ln in log.read().decode("utf-8", "replace").splitlines()]
    except OSError:
        return "no broker log"
    lines = [re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", ln) for ln in lines if ln]
    picks = ([ln for ln in lines if "Address already in use" in ln]
             or [ln for ln in lines if re.match(r"(Caused by: )?[\w.$]+(Exception|Error): ", ln)]
             or [ln for ln in lines if re.match(r"(ERROR|FATAL) ", ln)]
             or (lines[:1] if len(lines) < 10 else lines[-1:]))
    if not picks:
        return "the broker logged nothing"
    line = re.sub(r"^(Caused by: )?(?:[a-z]\w*\.)+(?=[A-Z])", "", picks[0])  # drop packages
    return line[:300]


def log_offset(config: BrokerConfig, rotate: bool = True) -> int:
    """The log's size (where this start's lines begin); a big log first moves to .1."""
    log = config.log_file
    with contextlib.suppress(OSError):
        if rotate and log.stat().st_size > MAX_LOG_BYTES:
            log.replace(log.with_name(log.name + ".1"))
        return log.stat().st_size
    return 0
