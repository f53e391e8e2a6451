"""The demo that `make run` serves: a trust, two schools, their staff, families and visits in every
state (DEBUG only). `data` says what is in it; `build` makes it through the services."""
