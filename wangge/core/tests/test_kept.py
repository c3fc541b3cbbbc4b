from wangge.core import kept
from wangge.core.kept import Kept


def test_a_kept_value_is_read_once_then_again_after_its_time_or_when_forgotten(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(kept.time, "monotonic", lambda: now[0])
    reads = []
    value = Kept(lambda: reads.append(1) or len(reads), ttl_s=60)
    assert [value.get(), value.get()] == [1, 1]
    now[0] += 59
    assert value.get() == 1
    now[0] += 2
    assert value.get() == 2  # older than its minute
    assert value.get(fresh=True) == 3
    value.forget()
    assert value.get() == 4 and len(reads) == 4
