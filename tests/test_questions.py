"""The question bank's imports (GIFT, Aiken) through the command line, all or nothing, and
its GIFT export."""
from __future__ import annotations

import pytest

from lms.activities.builtin.quiz.gift import parse_gift
from lms.assessment.models import Question, QuestionCategory
from lms.extensions import db
from tests.conftest import COURSES

SAMPLE = COURSES / "gongwen-xiezuo" / "quiz" / "ceyan.gift"

GIFT = """// 公文写作测验：单选、多选、判断、填空、匹配、数值与问答
$CATEGORY: 公文写作/格式

::种类:: 下列哪一项属于法定公文种类？ {
  =通知 # 正确：《条例》规定的 15 种公文之一。
  ~简报 # 简报不是法定公文。
  ~工作总结
}

::要素:: 公文的必备要素有哪些？ {
  ~%50%发文机关标识
  ~%50%标题
  ~%-100%页码
}

::判断:: 请示应当一文一事。{T}

::填空:: 公文的成文日期用{=阿拉伯数字 =Arabic numerals}标注。

::字号:: 标题一般用几号小标宋体字？ {#2:0}

::匹配:: 请匹配文种与用途。 {
  =命令 -> 公布重要行政法规
  =通报 -> 表彰先进、批评错误
}

$CATEGORY: 公文写作/写作

::问答:: 简述请示与报告的区别。 {}
"""

AIKEN = """下列哪一项属于法定公文种类？
A. 通知
B. 简报
C. 工作总结
ANSWER: A

公文的成文日期用什么数字标注？
A) 汉字
B) 阿拉伯数字
ANSWER: B
"""


@pytest.fixture
def slug(app, sample_courses) -> str:
    return "gongwen-xiezuo"


def _count(app, **where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Question)
                                 .filter_by(**where))


def _course_id(app, slug: str) -> int:
    from lms.catalog.models import Course

    with app.app_context():
        return db.session.scalar(db.select(Course.id).filter_by(slug=slug))


def test_import_gift_prints_the_count_and_keeps_categories(app, slug, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path),
                                                "--course", slug])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 7 questions"
    assert _count(app, course_id=_course_id(app, slug)) == 7
    with app.app_context():
        paths = set(db.session.scalars(db.select(QuestionCategory.path)))
        assert paths == {"公文写作/格式", "公文写作/写作"}
        essay = db.session.scalar(db.select(Question).filter_by(qtype="essay"))
        assert essay.category.path == "公文写作/写作"
        choice = db.session.scalar(db.select(Question).filter_by(name="要素"))
        fractions = [a["fraction"] for a in choice.body["answers"]]
        assert choice.qtype == "multiresponse" and fractions == [0.5, 0.5, -1.0]


def test_the_sample_course_quiz_imports_and_round_trips(app, slug, tmp_path):
    expected = parse_gift(SAMPLE.read_text(encoding="utf-8"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["questions", "import", str(SAMPLE), "--course", slug])
    assert result.output.strip() == f"imported {len(expected)} questions"
    out = tmp_path / "out.gift"
    assert runner.invoke(args=["questions", "export", str(out), "--course", slug]).exit_code == 0
    again = parse_gift(out.read_text(encoding="utf-8"))
    for q in expected:  # the file had no categories: they land in the default one
        q.category = q.category or "默认"
    assert again == expected


def test_a_malformed_file_names_its_line_and_imports_nothing(app, slug, tmp_path):
    bad = GIFT.replace("::判断:: 请示应当一文一事。{T}", "::判断:: 请示应当一文一事。{T")
    path = tmp_path / "bad.gift"
    path.write_text(bad, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path),
                                                "--course", slug])
    assert result.exit_code != 0
    line = bad.splitlines().index("::判断:: 请示应当一文一事。{T") + 1
    assert f"bad.gift:{line}:" in result.output and "nothing was imported" in result.output
    assert _count(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuestionCategory)) == 0


def test_aiken_imports_into_the_shared_bank(app, slug, tmp_path):
    path = tmp_path / "bank.txt"
    path.write_text(AIKEN, encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["questions", "import", str(path)])
    assert refused.exit_code != 0 and "aiken" in refused.output
    result = runner.invoke(args=["questions", "import", str(path), "--format", "aiken"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 2 questions"
    assert _count(app, course_id=None) == 2
    with app.app_context():
        second = db.session.scalars(db.select(Question).order_by(Question.id)).all()[1]
        assert [a["fraction"] for a in second.body["answers"]] == [0.0, 1.0]
        assert second.body["answers"][1]["text"] == "阿拉伯数字"


def test_unknown_course_and_empty_file_are_refused(app, slug, tmp_path):
    path = tmp_path / "empty.gift"
    path.write_text("// 只有注释\n", encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["questions", "import", str(path), "--course",
                               "no-such-course"]).exit_code != 0
    empty = runner.invoke(args=["questions", "import", str(path)])
    assert empty.exit_code != 0 and _count(app) == 0

