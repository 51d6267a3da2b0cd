"""In a real browser: a lecturer writes a course, the organisation department publishes it,
a learner finds it by a Chinese keyword and opens the lecture."""
from __future__ import annotations

from playwright.sync_api import expect


def test_lecturer_to_org_admin_to_learner(sign_in, live_server, make_unit, make_user):
    make_unit("QU", "青山区", "district")
    make_user("lect", "lecturer", "QU", name="党校教师")
    make_user("org", "org_admin", "QU", name="组织部")
    make_user("learn", "learner", "QU", name="李学员")

    lecturer = sign_in("lect")
    lecturer.get_by_role("link", name="我的课程").first.click()
    lecturer.get_by_role("link", name="新建课程").click()
    lecturer.get_by_label("标题").fill("防汛防台应急处置要点")
    lecturer.get_by_label("网址名称").fill("fangxun-yingji")
    lecturer.get_by_label("科目").select_option(label="应急管理")
    lecturer.get_by_label("简介").fill("汛期**值班值守**与转移避险。")
    lecturer.get_by_role("button", name="保存").click()
    expect(lecturer.get_by_role("heading", level=1)).to_contain_text("防汛防台应急处置要点")

    lecturer.get_by_role("link", name="添加讲座").click()
    lecturer.get_by_label("标题", exact=True).fill("汛期值班制度")
    lecturer.locator(".CodeMirror").first.click()  # the editor of the lesson text
    lecturer.keyboard.insert_text(
        "## 值班要求\n\n- 24 小时在岗\n- 信息**及时**报送\n\n<script>alert(1)</script>")
    lecturer.get_by_role("button", name="预览", exact=True).click()
    preview = lecturer.locator(".prose")
    expect(preview.get_by_role("heading", name="值班要求")).to_be_visible()
    expect(preview.locator("script")).to_have_count(0)
    lecturer.get_by_role("button", name="保存").click()
    expect(lecturer.get_by_role("link", name="汛期值班制度")).to_be_visible()
    lecturer.get_by_role("link", name="提交审核").click()  # a page that asks first
    expect(lecturer.get_by_text("由组织部审核：组织部。")).to_be_visible()
    lecturer.get_by_role("button", name="提交审核").click()
    expect(lecturer.get_by_text("请勾选以确认。")).to_be_visible()
    lecturer.get_by_label("我已了解").check()
    lecturer.get_by_role("button", name="提交审核").click()
    expect(lecturer.get_by_text("已提交审核：")).to_be_visible()

    admin = sign_in("org")
    admin.get_by_role("navigation", name="主导航").get_by_role("link", name="审核").click()
    admin.get_by_role("link", name="防汛防台应急处置要点").click()
    expect(admin.get_by_role("heading", name="值班要求")).to_be_visible()  # as learners read it
    admin.get_by_label("对本活动的意见").fill("案例再具体些。")
    admin.get_by_role("button", name="添加意见").first.click()
    expect(admin.get_by_text("案例再具体些。")).to_be_visible()
    admin.get_by_role("button", name="发布").click()
    expect(admin.get_by_text("已发布。")).to_be_visible()

    learner = sign_in("learn")
    learner.get_by_role("navigation", name="主导航").get_by_role("link", name="课程").click()
    learner.get_by_label("搜索", exact=True).fill("防汛")
    learner.get_by_role("button", name="搜索").click()
    learner.get_by_role("link", name="防汛防台应急处置要点").click()
    expect(learner.get_by_text("已完成 0 / 1 项学习活动")).to_be_visible()
    with learner.expect_response(lambda r: r.url.endswith("/beat")) as beat:
        learner.get_by_role("link", name="汛期值班制度").first.click()
    assert beat.value.status == 200  # the page reports study (CSRF header accepted)
    assert beat.value.json()["reason"] == "started"
    expect(learner.get_by_role("heading", name="值班要求")).to_be_visible()
    expect(learner.get_by_role("region", name="我的进度")).to_contain_text("已计学习时间：")
    expect(learner.locator("main script")).to_have_count(0)
