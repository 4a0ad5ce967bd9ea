"""The task list sorts by every column, server-side, with Vietnamese collation and the filters kept."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import Session

from domain.text import vietnamese_sort_key
from persistence.models import Task
from tests.web.conftest import WebEnv


def _column(html: str, label: str) -> list[str]:
    table = html[html.index('id="task-list"'):]
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(rf'<td[^>]*data-label="{label}">(.*?)</td>', table, re.S)]


def _retitle(web_env: WebEnv) -> None:
    # Titles where code points and Vietnamese order disagree (Đ after D, not after V).
    titles = {"1.1": "Đánh giá chỉ số", "1.2": "Dự toán ngân sách", "1.3": "Văn bản quy phạm", "1.4": "Ban hành kế hoạch",
              "2.1": "Ăng-ten truyền thanh", "2.2": "Anh"}
    with Session(web_env.engine) as session:
        for code, title in titles.items():
            task = session.get(Task, web_env.seeded.tasks[code])
            task.title = title
            session.add(task)
        session.commit()


def test_every_column_sorts_both_ways(web_env: WebEnv) -> None:
    _retitle(web_env)
    client = web_env.login("thuongtruc")
    titles = _column(client.get("/tasks?sort=title&dir=asc").text, "Nội dung")
    assert titles == sorted(titles, key=vietnamese_sort_key)
    assert titles.index("Dự toán ngân sách") < titles.index("Đánh giá chỉ số") < titles.index("Văn bản quy phạm")
    assert titles.index("Anh") < titles.index("Ăng-ten truyền thanh") < titles.index("Ban hành kế hoạch")  # a < ă < b
    assert _column(client.get("/tasks?sort=title&dir=desc").text, "Nội dung") == titles[::-1]

    codes = _column(client.get("/tasks?sort=code").text, "Mã")
    assert codes == sorted(codes, key=lambda c: [int(x) for x in c.split(".")])
    assert _column(client.get("/tasks?sort=code&dir=desc").text, "Mã") == codes[::-1]

    leads = _column(client.get("/tasks?sort=lead").text, "Chủ trì")
    assert leads == sorted(leads, key=vietnamese_sort_key)
    html = client.get("/tasks?sort=due&dir=desc").text
    dues = [re.match(r"(\d\d)/(\d\d)/(\d{4})", d) for d in _column(html, "Hạn")]
    firsts = [(m.group(3), m.group(2), m.group(1)) for m in dues if m]
    assert len(firsts) > 3 and firsts == sorted(firsts, reverse=True)
    assert client.get("/tasks?sort=progress&dir=desc").status_code == 200
    assert client.get("/tasks?sort=nonsense").status_code == 200  # an unknown column: the default order


def test_header_links_keep_the_filters_and_the_period_and_show_an_arrow(web_env: WebEnv) -> None:
    client = web_env.login("thuongtruc")
    year = web_env.seeded.tasks and __import__("datetime").date.today().year
    html = client.get(f"/tasks?unit=vp-tk&q=b%C3%A1o&period={year}-Y&sort=title&dir=asc").text
    heads = re.findall(r'<th class="sortable[^"]*"([^>]*)><a href="([^"]+)"[^>]*>(.*?)</a></th>', html)
    assert [re.sub(r"<[^>]+>.*", "", h[2]).strip().split(" ")[0] for h in heads] == ["Mã", "Nội", "Chủ", "Hạn", "Báo"]
    for attrs, href, _ in heads:
        href = unescape(href)
        assert "unit=vp-tk" in href and "q=b%C3%A1o" in href and f"period={year}-Y" in href
    sorted_head = [h for h in heads if "aria-sort" in h[0]]
    assert len(sorted_head) == 1 and 'aria-sort="ascending"' in sorted_head[0][0] and "▲" in sorted_head[0][2]
    assert "dir=desc" in unescape(sorted_head[0][1])  # a second click reverses
    # Only the unit's tasks, still filtered.
    assert all("Văn phòng" in lead for lead in _column(html, "Chủ trì"))
