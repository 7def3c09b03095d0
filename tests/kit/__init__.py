"""The suite's one test kit: what every room's tests build their objects from.

- `factories`: factory_boy factories and the builders made through Kith's services
  (import as `from tests.kit import factories as make`);
- `world`: the one small world the privacy, permission and bad-input sweeps walk;
- `marketplace_people`, `console_people`, `web`: the people fixtures of the marketplace, the
  staff console (and the rooms it serves) and the citizen pages, imported by room conftests;
- `browser`: Chromium, axe-core and screenshots for the browser tests; `worker`: Redis and a
  real Celery worker for the operations tests; `races`: calls released together on threads.

Test modules import from here, never from a conftest.
"""
