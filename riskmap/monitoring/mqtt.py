"""Readings from an MQTT broker (paho-mqtt): each message is one reading as JSON,
``{"sensor_id", "layer", "feature_id", "quantity", "unit", "time", "value"}`` (time ISO
8601, China Standard Time when it has no zone). Good readings are stored and the
warnings updated; a bad message is counted and skipped, never fatal.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import pandas as pd

from riskmap.config import MonitoredQuantity
from riskmap.errors import RiskmapError
from riskmap.monitoring.store import READING_COLUMNS, ReadingStore


@dataclass
class Subscription:
    """What a subscription received: readings stored and messages refused."""

    stored: int = 0
    refused: int = 0


def parse_message(
    payload: bytes, quantities: Mapping[tuple[str, str], MonitoredQuantity]
) -> pd.DataFrame:
    """One message as a one-row readings frame.

    Raises
    ------
    ValueError
        Not JSON, a missing field, an unknown layer/quantity, a wrong unit, a bad time or
        value.
    """
    msg = json.loads(payload.decode("utf-8"))
    if not isinstance(msg, dict):
        raise ValueError("a reading is a JSON object")
    missing = [k for k in READING_COLUMNS if k not in msg]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    spec = quantities.get((str(msg["layer"]), str(msg["quantity"])))
    if spec is None:
        raise ValueError(f"{msg['layer']}:{msg['quantity']} is not measured")
    if str(msg["unit"]) != spec.unit:
        raise ValueError(f"unit {msg['unit']} is not {spec.unit}")
    t = pd.Timestamp(str(msg["time"]))
    t = t.tz_localize("Asia/Shanghai") if t.tzinfo is None else t
    value = float(msg["value"])
    return pd.DataFrame(
        [
            {
                **{k: str(msg[k]) for k in READING_COLUMNS[:5]},
                "time": t.tz_convert("UTC"),
                "value": value,
            }
        ]
    )


def subscribe(
    store: ReadingStore,
    broker: str,
    topic: str,
    quantities: Mapping[tuple[str, str], MonitoredQuantity],
    *,
    stop_after: int | None = None,
    timeout: float | None = None,
) -> Subscription:
    """Listen to ``broker`` (``mqtt://host:port``) on ``topic`` and store readings.

    Returns when ``stop_after`` messages were handled or ``timeout`` seconds passed (runs
    until interrupted when both are None).

    Raises
    ------
    RiskmapError
        The broker cannot be reached.
    """
    import paho.mqtt.client as mqtt

    url = urlparse(broker)
    if url.scheme not in ("mqtt", "tcp") or not url.hostname:
        raise RiskmapError(f"broker '{broker}' is not mqtt://host:port")
    result = Subscription()
    done = threading.Event()
    lock = threading.Lock()

    def on_message(_client: object, _userdata: object, message: mqtt.MQTTMessage) -> None:
        with lock:
            try:
                store.add(parse_message(bytes(message.payload), quantities))
                result.stored += 1
            except (ValueError, TypeError, KeyError, RiskmapError):
                result.refused += 1
            if stop_after is not None and result.stored + result.refused >= stop_after:
                done.set()

    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    try:
        client.connect(url.hostname, url.port or 1883)
    except OSError as exc:
        raise RiskmapError(f"cannot reach the MQTT broker {broker}: {exc}") from None
    client.loop_start()
    try:
        subscribed.wait(10)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done.is_set():
            if deadline is not None and time.monotonic() > deadline:
                break
            done.wait(0.1)
    finally:
        client.loop_stop()
        client.disconnect()
    store.update_warnings(quantities)
    return result
