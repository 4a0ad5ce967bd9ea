"""The embedded catcher (aiosmtpd → .eml files) and ``dondoc mail list/show``."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from notifications.catcher import PORT_FILE, catcher_address, find_mail, free_port, list_mails, start_catcher, store_mail
from notifications.dispatch import dispatch_once
from settings import Settings
from tests.notifications.conftest import Commune, local


def _catcher_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", smtp_host=None, catcher_port=port,
                    smtp_sender="dondoc@xa.example", base_url="http://127.0.0.1:8000", smtp_timeout=5)


async def test_without_smtp_host_mail_lands_in_the_catcher_and_the_cli_shows_it(commune: Commune,
                                                                                tmp_path: Path) -> None:
    settings = _catcher_settings(tmp_path, free_port())
    catcher = start_catcher(settings)
    try:
        assert catcher_address(settings) == ("127.0.0.1", catcher.port)
        commune.notify("3.1", "tuphap", "reminder", not_before=local("2026-03-16 07:45"), days_left=4)
        report = await dispatch_once(commune.engine, settings, local("2026-03-16 08:00"))
        assert report.mails_sent == 1
    finally:
        catcher.stop()
    assert not (catcher.directory / PORT_FILE).exists()
    [mail] = list_mails(catcher.directory)
    assert mail.header("To") == "Phạm Văn Nam <tuphap@xa.example>"
    assert mail.header("Subject") == "[Nhắc việc] 3.1 Báo cáo công tác cải cách hành chính quý I — hạn 20/03/2026"
    assert mail.header("X-Original-To") == "tuphap@xa.example"
    assert "Kính gửi Phạm Văn Nam" in mail.text()
    assert find_mail(catcher.directory, mail.id[:17]).id == mail.id
    assert not [p for p in catcher.directory.iterdir() if p.name.startswith(".incoming-")]

    runner = CliRunner()
    env = {"DONDOC_DATA_DIR": str(settings.data_dir), "COLUMNS": "250"}
    listed = runner.invoke(app, ["mail", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert mail.id in listed.output and "[Nhắc việc] 3.1 Báo cáo công tác" in listed.output
    assert "tuphap@xa.example" in listed.output
    shown = runner.invoke(app, ["mail", "show", mail.id], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Tiêu đề: [Nhắc việc] 3.1 Báo cáo công tác cải cách hành chính quý I — hạn 20/03/2026" in shown.output
    assert "Đến: Phạm Văn Nam <tuphap@xa.example>" in shown.output
    assert "Kính gửi Phạm Văn Nam," in shown.output and "20/03/2026" in shown.output
    missing = runner.invoke(app, ["mail", "show", "khong-co"], env=env)
    assert missing.exit_code == 2


def test_a_busy_port_makes_the_catcher_pick_another_and_record_it(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        settings = _catcher_settings(tmp_path, busy.getsockname()[1])
        catcher = start_catcher(settings)
        try:
            assert catcher.port != busy.getsockname()[1]
            assert catcher_address(settings) == ("127.0.0.1", catcher.port)
        finally:
            catcher.stop()
        assert catcher_address(settings) == ("127.0.0.1", settings.catcher_port)
    finally:
        busy.close()


def test_empty_mailbox_and_store_mail(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["mail", "list"], env={"DONDOC_DATA_DIR": str(tmp_path / "none")})
    assert result.exit_code == 0 and "Chưa có thư nào" in result.output
    path = store_mail(tmp_path / "mail", b"Subject: =?utf-8?b?VGjhu60=?=\r\n\r\nxin chao\r\n",
                      mail_from="a@b", rcpt_tos=["c@d"])
    [mail] = list_mails(tmp_path / "mail")
    assert mail.path == path and mail.header("Subject") == "Thử" and mail.text().strip() == "xin chao"


async def test_dondoc_mail_outbox_lists_sent_and_skipped_rows_with_the_reason(commune: Commune, sink,
                                                                             settings) -> None:
    from persistence.db import session_scope
    from persistence.models import Occurrence, OccurrenceStatus

    commune.add_task("8.1", "Niêm yết công khai thủ tục hành chính")
    commune.notify("3.1", "tuphap", "reminder", not_before=local("2026-03-16 07:45"), days_left=4)
    commune.notify("8.1", "ketoan", "reminder", not_before=local("2026-03-16 07:45"), days_left=4)
    with session_scope(commune.engine) as session:
        occ = session.get(Occurrence, commune.occurrences["8.1"])
        occ.status = OccurrenceStatus.DONE
    report = await dispatch_once(commune.engine, settings, local("2026-03-16 08:00"))
    assert (report.mails_sent, report.rows_skipped) == (1, 1)
    runner = CliRunner()
    env = {"DONDOC_DATABASE_URL": commune.engine.url.render_as_string(hide_password=False), "COLUMNS": "250"}
    listed = runner.invoke(app, ["mail", "outbox"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Bỏ qua – việc đã hoàn thành" in listed.output and "Đã gửi" in listed.output
    assert "ketoan@xa.example" in listed.output and "8.1" in listed.output
    only = runner.invoke(app, ["mail", "outbox", "--status", "skipped"], env=env)
    assert only.exit_code == 0 and "ketoan@xa.example" in only.output and "tuphap@xa.example" not in only.output
    wrong = runner.invoke(app, ["mail", "outbox", "--status", "lost"], env=env)
    assert wrong.exit_code == 2 and "không hợp lệ" in wrong.output
