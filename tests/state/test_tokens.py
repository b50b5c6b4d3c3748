"""TokensState against the real token service and a SQLite file: list, create (the value
handed to the page once, never kept in the state), revoke, someone else's token."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.api_tokens import ApiTokenService
from imageapp.state.tokens import NEW_TOKEN_FIELD, TokensState
from tests.state.conftest import Member, call, make_state, sign_in


def tokens_page(member: Member) -> TokensState:
    state = make_state(TokensState, member.cookie, "/tokens")
    call(TokensState.load_page, state)
    return state


def test_create_hands_the_value_to_the_page_once(app_settings: Settings, member: Member) -> None:
    state = tokens_page(member)
    assert state.rows == []
    assert state.loaded
    call(TokensState.set_new_name, state, "shop website")
    call(TokensState.set_new_scope, state, "write")
    event = call(TokensState.create, state)
    args = {str(name): value._var_value for name, value in event.args}
    assert args["ref"] == "ref_" + NEW_TOKEN_FIELD.replace("-", "_")
    token_value = args["value"]
    tokens = ApiTokenService(get_engine(app_settings.database_url))
    [listed] = tokens.tokens_of(user_id=member.user.id)
    assert (listed.name, listed.scope) == ("shop website", "write")
    user = tokens.user_for_token(token_value)
    assert user is not None
    assert user.user.id == member.user.id
    # Nothing of the value stays in the state (it is written to disk or Redis).
    assert token_value not in repr(state.dict())
    assert [row.name for row in state.rows] == ["shop website"]
    assert state.rows[0].scope_label == "Read and write"
    assert state.made_name == "shop website"
    assert state.new_name == ""
    assert "shown only this once" in state.message
    # A later visit shows the list, not the value.
    assert tokens_page(member).made_name == ""


def test_refusals_stay_next_to_the_field(member: Member) -> None:
    state = tokens_page(member)
    call(TokensState.set_new_name, state, "  ")
    assert call(TokensState.create, state) is None
    assert "name" in state.errors
    call(TokensState.set_new_scope, state, "admin")
    assert state.new_scope == "read"


def test_revoke_own_token_only(app_settings: Settings, member: Member) -> None:
    tokens = ApiTokenService(get_engine(app_settings.database_url))
    mine = tokens.create(user_id=member.user.id, name="mine", scope="read")
    other = sign_in(app_settings, store="Elsewhere")
    theirs = tokens.create(user_id=other.user.id, name="theirs", scope="read")
    state = tokens_page(member)
    assert [row.name for row in state.rows] == ["mine"]
    call(TokensState.revoke, state, theirs.info.id)
    assert "no such token" in state.message.lower()
    assert tokens.user_for_token(theirs.value) is not None
    call(TokensState.revoke, state, mine.info.id)
    assert "revoked" in state.message
    assert state.rows == []
    assert tokens.user_for_token(mine.value) is None


def test_a_stranger_is_sent_to_log_in(app_settings: Settings) -> None:
    state = make_state(TokensState, None, "/tokens")
    assert call(TokensState.load_page, state) is not None
    assert not state.loaded
