"""View / edit / delete rights per share type and manager list, admins bypass; invisible
contacts do not exist for the user in any call or error message."""

from __future__ import annotations

import pytest

from crmdata import AccessDenied, NotFound, Store
from crmdata.model import ShareType

from ..builders import person, row_counts

#: share type -> (can view, can edit/delete) for a user who is not a manager
RULES = {ShareType.NONE: (False, False), ShareType.READ: (True, False), ShareType.READ_WRITE: (True, True)}


@pytest.fixture
def users(store: Store) -> Store:
    store.add_user("mia")  # manager
    store.add_user("olaf")  # other user
    store.add_user("root", is_admin=True)
    return store


def _try_edit(s: Store, cid: int) -> None:
    cs = s.change()
    cs.update(cid, title="Changed")
    cs.commit()


@pytest.mark.parametrize("share", list(ShareType))
def test_other_user_rights(users: Store, share: ShareType) -> None:
    cid = person(users, share_type=int(share), managers=["mia"])
    can_view, can_edit = RULES[share]
    olaf = users.as_user("olaf")
    before = row_counts(users)
    if not can_view:
        for call in (lambda: olaf.contact(cid), lambda: _try_edit(olaf, cid), lambda: olaf.history(cid),
                     lambda: olaf.delete(cid)):
            with pytest.raises(NotFound) as err:
                call()
            assert str(err.value).startswith(f"There is no contact {cid}")  # same as a missing id
        with pytest.raises(NotFound) as missing:
            olaf.contact(987654)
        assert str(missing.value) == f"There is no contact {987654}."
        assert olaf.count() == 0 and olaf.contacts().empty
    elif not can_edit:
        assert olaf.contact(cid).display_name == "Lore Hamann"
        with pytest.raises(AccessDenied, match="may view but not edit"):
            _try_edit(olaf, cid)
        with pytest.raises(AccessDenied, match="may not delete"):
            olaf.delete(cid)
    else:
        _try_edit(olaf, cid)
        assert olaf.contact(cid).fields["title"] == "Changed"
        before = row_counts(users)
    if not can_edit:
        assert row_counts(users) == before
    # the manager and an admin may always view, edit and delete
    for login in ("mia", "root"):
        _try_edit(users.as_user(login), cid)
    users.as_user("mia").delete(cid)
    with pytest.raises(NotFound):
        users.contact(cid)


def test_invisible_contact_in_a_batch_is_not_revealed(users: Store) -> None:
    hidden = person(users, "Hidden", share_type=int(ShareType.NONE), managers=["mia"])
    open_ = person(users, "Open", share_type=int(ShareType.READ_WRITE))
    olaf = users.as_user("olaf")
    cs = olaf.change()
    cs.update(open_, title="x")
    cs.update(hidden, title="x")
    with pytest.raises(NotFound) as err:
        cs.commit()
    assert "Hidden" not in str(err.value)
    assert users.contact(open_).fields["title"] is None  # nothing written


def test_linking_to_an_invisible_company_reads_as_unknown(users: Store) -> None:
    cs = users.change()
    co = cs.create_company("Secret AG")
    cs.set_access(co, ShareType.NONE, ["mia"])
    secret = cs.commit().created[co]
    p = person(users, share_type=int(ShareType.READ_WRITE))
    cs = users.as_user("olaf").change()
    cs.link_company(p, secret)
    pv = cs.preview()
    assert [str(x.message) for x in pv.problems] == [f"there is no company {secret}"]
    assert "Secret" not in str(pv.problems)


def test_only_access_given_to_new_managers(users: Store) -> None:
    cid = person(users, share_type=int(ShareType.NONE), managers=["mia"])
    cs = users.as_user("mia").change()
    cs.set_access(cid, ShareType.NONE, ["mia", "olaf"])
    cs.commit()
    assert users.as_user("olaf").contact(cid).managers == ["mia", "olaf"]


def test_an_administrators_edit_leaves_a_restricted_contacts_managers_alone(users: Store) -> None:
    """An administrator's commit does not read the managers (its rights do not depend on them)
    unless it changes access: they stay, the journal has no manager rows, and undo keeps them."""
    cid = person(users, share_type=int(ShareType.NONE), managers=["mia"])
    root = users.as_user("root")
    cs = root.change()
    cs.update(cid, title="Changed by root")
    result = cs.commit()
    assert root.contact(cid).managers == ["mia"] and root.contact(cid).fields["title"] == "Changed by root"
    with users.db.read() as tx:
        tables = {r[0] for r in tx.rows("SELECT table_name FROM journal_rows WHERE journal_id = ?",
                                        [result.change_set_id])}
    assert tables == {"contacts"}
    root.undo(result.change_set_id)
    assert root.contact(cid).managers == ["mia"] and root.contact(cid).fields["title"] is None
    preview = root.change()
    preview.set_access(cid, managers=["olaf"])
    assert [(c.field, c.before, c.after) for c in preview.preview().changes] == [("managers", "mia", "olaf")]
    preview.commit()
    assert root.contact(cid).managers == ["olaf"]
