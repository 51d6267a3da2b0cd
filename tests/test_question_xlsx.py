"""Questions from a spreadsheet (.xlsx or .csv): the template, every type, all or nothing with
each bad row and column named, and the command line."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lms.activities.builtin.quiz.gift import Answer, parse_gift
from lms.assessment.importer import DEFAULT_CATEGORY, export_gift, import_file
from lms.assessment.models import Question, QuestionCategory
from lms.assessment.xlsx import COLUMNS, SheetImportError, parse_sheet
from lms.extensions import db
from lms.org.tabular import csv_bytes, xlsx_bytes

HEADERS = [c.zh for c in COLUMNS]
ENGLISH = [c.en for c in COLUMNS]


def row(qtype: str, question: str, options: tuple[str, ...] = (), answer: object = "", *,
        category: str = "", feedback: str = "", tags: str = "") -> list[object]:
    """A sheet row in the template's column order."""
    padded = list(options) + [""] * (8 - len(options))
    return [qtype, category, question, *padded, answer, feedback, tags]


EVERY_TYPE = [
    row("单选", "下列哪一项属于法定公文种类？", ("通知", "简报", "工作总结"), "A",
        category="公文写作/格式", feedback="通知是 15 种法定公文之一。", tags="公文，基础"),
    row("多选", "下列哪些属于法定公文种类？", ("通知", "简报", "请示", "工作总结"), "A, C",
        category=" 公文写作 / 格式 ", tags="公文;基础；必考"),
    row("判断", "请示应当一文一事。", answer="对"),
    row("判断题", "报告中可以夹带请示事项。", answer="错误"),
    row("填空", "公文的成文日期用____数字标注。",
        answer="阿拉伯数字｜Arabic numerals | 阿拉伯数字"),
    row("简答", "简述请示与报告的区别。", feedback="请示事前行文，报告事后或事中行文。"),
    row("multiresponse", "Which are legal document types?", ("Notice", "Request", "Brief"),
        "ab"),
]


@pytest.fixture
def slug(sample_courses) -> str:
    return "gongwen-xiezuo"


def _count(app, **where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Question)
                                 .filter_by(**where))


def _parse(app, data: bytes, name: str = "bank.xlsx"):
    with app.test_request_context():
        return parse_sheet(data, name)


def _problems(app, data: bytes, name: str = "bad.xlsx") -> set[tuple[int | None, str]]:
    with app.test_request_context(), pytest.raises(SheetImportError) as caught:
        parse_sheet(data, name)
    return {(p.row, p.column) for p in caught.value.cells}


def test_every_type_becomes_what_the_gift_reader_makes(app):
    single, multiple, true, false, fill, essay, english = _parse(
        app, xlsx_bytes(HEADERS, EVERY_TYPE))
    assert single.qtype == "multichoice" and single.text_format == "plain"
    assert [(a.text, a.fraction) for a in single.answers] == [
        ("通知", 1.0), ("简报", 0.0), ("工作总结", 0.0)]
    assert single.category == "公文写作/格式" and single.tags == ["公文", "基础"]
    assert single.general_feedback == "通知是 15 种法定公文之一。"
    assert single.name == single.text == "下列哪一项属于法定公文种类？"
    assert multiple.qtype == "multiresponse"
    assert [a.fraction for a in multiple.answers] == [0.5, -0.5, 0.5, -0.5]
    assert multiple.category == "公文写作/格式" and multiple.tags == ["公文", "基础", "必考"]
    assert true.answers == parse_gift("::x::[plain]请示应当一文一事。{T}")[0].answers
    assert false.answers == parse_gift("::x::[plain]x{FALSE}")[0].answers
    assert (true.qtype, false.qtype) == ("truefalse", "truefalse")
    assert fill.qtype == "shortanswer"
    assert [(a.text, a.fraction) for a in fill.answers] == [("阿拉伯数字", 1.0),
                                                            ("Arabic numerals", 1.0)]
    assert essay.qtype == "essay" and essay.answers == []
    assert essay.general_feedback == "请示事前行文，报告事后或事中行文。"
    assert english.qtype == "multiresponse" and [a.fraction for a in english.answers] == [
        0.5, 0.5, -0.5]
    assert [q.line for q in (single, english)] == [2, 8]


def test_three_correct_options_share_the_marks(app):
    (q,) = _parse(app, xlsx_bytes(HEADERS, [
        row("多选", "公文的版头包括哪些要素？", ("份号", "发文机关标识", "发文字号", "标题"),
            "ABC")]))
    assert [a.fraction for a in q.answers] == [1 / 3, 1 / 3, 1 / 3, -1 / 3]


def test_the_gift_reader_reads_the_export_back(app, slug):
    with app.test_request_context():
        assert import_file(xlsx_bytes(HEADERS, EVERY_TYPE), "bank.xlsx", "xlsx", None) == 7
        sheet = parse_sheet(xlsx_bytes(HEADERS, EVERY_TYPE), "bank.xlsx")
        again = parse_gift(export_gift(None))
    for q in sheet:
        q.category = q.category or DEFAULT_CATEGORY
    assert sorted(again, key=lambda q: q.text) == sorted(sheet, key=lambda q: q.text)


def test_english_headers_and_chinese_text(app):
    (q,) = _parse(app, xlsx_bytes(ENGLISH, [row("单选题", "《条例》自何时起施行？",
                                                ("2012年7月1日", "2013年1月1日"), "Ａ")]))
    assert q.text == "《条例》自何时起施行？" and q.answers[0].text == "2012年7月1日"
    assert q.answers[0].fraction == 1.0  # a full-width letter is a letter


def test_csv_in_utf8_and_gb18030(app):
    rows = [row("判断", "中心组学习属于干部教育培训。", answer="√"),
            row("填空", "干部教育培训工作条例于____年修订。", answer="2023")]
    for data in (csv_bytes(HEADERS, rows),
                 csv_bytes(HEADERS, rows).decode("utf-8-sig").encode("gb18030")):
        true, fill = _parse(app, data, "bank.csv")
        assert true.answers[0] == Answer("true", 1.0, "", None, "plain", "plain")
        assert fill.answers[0].text == "2023"


def test_numbers_and_booleans_from_cells(app):
    (fill, truth) = _parse(app, xlsx_bytes(HEADERS, [
        row("填空", "每年网络自学不少于多少学时？", answer=50),
        row("判断", "处级干部 5 年内应参加 3 个月以上的脱产培训。", answer=True)]))
    assert fill.answers[0].text == "50"
    assert truth.answers[0].fraction == 1.0


def test_every_bad_row_is_named_with_its_column_and_nothing_is_imported(app, slug, tmp_path):
    rows = [
        row("单选", "好的一题", ("甲", "乙"), "A"),  # row 2
        row("选择", "未知题型", ("甲", "乙"), "A"),  # row 3
        [None] * len(HEADERS),  # row 4: empty, skipped
        row("单选", "两个答案", ("甲", "乙"), "AB"),  # row 5
        row("多选", "有空选项", ("甲", "", "丙"), "A"),  # row 6
        row("判断", "", answer="也许"),  # row 7: no question, no true/false answer
        row("填空", "没有答案"),  # row 8
        row("简答", "问答不带选项", ("甲",)),  # row 9
        row("单选", "答案超出选项", ("甲", "乙", "丙"), "E"),  # row 10
        row("多选", "只有一个选项", ("甲",), "A"),  # row 11
        row("简答", "问答不带答案", answer="参考答案"),  # row 12
    ]
    data = xlsx_bytes(HEADERS, rows)
    assert _problems(app, data) == {
        (3, "题型"), (5, "答案"), (6, "选项B"), (7, "题目"), (7, "答案"), (8, "答案"),
        (9, "选项A"), (10, "答案"), (11, "选项A"), (12, "答案")}
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path),
                                                "--course", slug])
    assert result.exit_code != 0 and "nothing was imported" in result.output
    for number in (3, 5, 6, 7, 8, 9, 10, 11, 12):
        assert f"bad.xlsx:{number}: " in result.output
    assert "bad.xlsx:2:" not in result.output and "bad.xlsx:4:" not in result.output
    assert _count(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuestionCategory)) == 0


def test_file_level_problems(app):
    no_question = xlsx_bytes(["题型", "答案"], [["单选", "A"]])
    assert _problems(app, no_question) == {(None, "")}
    assert _problems(app, xlsx_bytes(HEADERS, [])) == {(None, "")}
    assert _problems(app, b"not a workbook") == {(None, "")}
    assert _problems(app, b"x", "bank.txt") == {(None, "")}


def test_the_template_imports_through_the_command_line(app, client, auth, slug, tmp_path):
    auth.login("lecturer")
    response = client.get("/teach/questions/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS and sheet.max_row == 3
    path = tmp_path / "questions.xlsx"
    path.write_bytes(response.data)
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path),
                                                "--course", slug])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 2 questions"
    with app.app_context():
        rows = db.session.scalars(db.select(Question).order_by(Question.id)).all()
        assert [(q.qtype, q.source, q.category.path) for q in rows] == [
            ("multichoice", "xlsx", "公文写作/格式"), ("multiresponse", "xlsx", "公文写作/格式")]
        assert rows[0].course_id is not None


def test_the_command_line_reads_csv_by_its_suffix(app, slug, tmp_path):
    path = tmp_path / "bank.csv"
    path.write_bytes(csv_bytes(HEADERS, EVERY_TYPE))
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 7 questions"
    assert _count(app, course_id=None, source="xlsx") == 7


def test_learners_get_no_template(client, auth, slug):
    auth.login("learn")
    assert client.get("/teach/questions/template.xlsx").status_code == 404
