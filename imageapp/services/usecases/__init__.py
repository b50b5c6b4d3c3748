"""One use case per user action, called by every front end (Reflex states, no-JS routes, the
coming API): each takes plain values as the person sent them, applies the rule through the
domain services, and returns a result whose sentences are worded here once.

Front ends only read their input, call one of these and render the result.
"""
