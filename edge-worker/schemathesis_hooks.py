"""Schemathesis hooks (scripts/schemathesis.mjs): what the contract states in
words because JSON Schema cannot say it, applied to generated bodies.

* An outcome label must be one of the site's outcomes (config `outcomes`),
  which no schema of the API can list; the run's site has the default ones,
  so a generated outcome names one of them.
* A coverage report's `found` is at least `swapped` plus every unswapped
  count (a sum across fields)."""
import schemathesis


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict) and isinstance(body.get("outcome"), dict):
        body["outcome"]["label"] = "sale"
    coverage = body.get("coverage") if isinstance(body, dict) else None
    if isinstance(coverage, dict):
        counts = [coverage.get("found", 0), coverage.get("swapped", 0)]
        left = coverage.get("unswapped") or {}
        counts += list(left.values()) if isinstance(left, dict) else [None]
        if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in counts):
            parts = sum(counts[1:])
            if parts > 4294967295:
                coverage["swapped"], coverage["unswapped"], parts = 0, {}, 0
            coverage["found"] = max(counts[0], parts)
    return body
