"""deploy/nginx.conf.template logs no query string: an instructor link's secret never reaches the access log."""
import re
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf.template"
CARRY_THE_QUERY = ("$request ", "$request\"", "$request'", "$request_uri", "$args", "$query_string", "$arg_",
                   "$http_referer", "$is_args")


def test_every_access_log_uses_a_format_without_the_query_string():
    text = re.sub(r"#.*", "", TEMPLATE.read_text())  # comments may name what is avoided
    formats = dict(re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*)+);", text))
    assert formats, "the template defines no log format"
    for name, spec in formats.items():
        assert not any(var in spec + " " for var in CARRY_THE_QUERY), (name, spec)
    logs = re.findall(r"access_log\s+([^;]+);", text)
    assert logs
    for log in logs:
        words = log.split()
        assert words == ["off"] or (len(words) == 2 and words[1] in formats), log  # never nginx's "combined"
