"""Every text of the consumer survey pages, in Chinese and English (a typed message table).

Questionnaire wording comes from the questionnaire itself; these are the page's own texts.
A test checks that every key has both languages.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANG: Final[Lang] = "zh"

# Title of the screen holding the questionnaire's general items.
GENERAL_GROUP_TITLE: Final[dict[str, str]] = {"zh": "总体评价", "en": "Overall"}

MESSAGES: Final[dict[str, dict[Lang, str]]] = {
    "site": {"zh": "天平 · 消费者服务评价", "en": "Tianping · consumer service survey"},
    "switch_lang": {"zh": "English", "en": "中文"},
    "intro_title": {"zh": "感谢您参与本次服务评价", "en": "Thank you for taking part"},
    "intro_body": {
        "zh": "本问卷由独立的第三方评价机构开展，约需 3 分钟。您可以随时离开，稍后用同一链接继续。",
        "en": "This survey is run by an independent evaluation body and takes about 3 minutes. "
        "You can leave at any time and continue later from the same link.",
    },
    "anonymity": {
        "zh": "您的回答是匿名的：被评价企业只能看到汇总结果，看不到谁回答了什么。",
        "en": "Your answers are anonymous: the company being evaluated sees only combined "
        "results, never who answered what.",
    },
    "start": {"zh": "开始答题", "en": "Start"},
    "next": {"zh": "下一步", "en": "Next"},
    "back": {"zh": "上一步", "en": "Back"},
    "submit": {"zh": "提交问卷", "en": "Submit"},
    "progress": {"zh": "第 {step} 步，共 {total} 步", "en": "Step {step} of {total}"},
    "required_mark": {"zh": "（必答）", "en": "(required)"},
    "na": {"zh": "不适用", "en": "Not applicable"},
    "nps_low": {"zh": "0 = 完全不可能", "en": "0 = not at all likely"},
    "nps_high": {"zh": "10 = 非常可能", "en": "10 = extremely likely"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
    "errors_title": {"zh": "请检查以下问题：", "en": "Please check these questions:"},
    "err_required": {
        "zh": "此题为必答题，请选择一个答案。",
        "en": "This question needs an answer.",
    },
    "err_out_of_range": {
        "zh": "请选择列出的选项之一。",
        "en": "Please choose one of the options shown.",
    },
    "err_not_a_choice": {
        "zh": "请选择列出的选项之一。",
        "en": "Please choose one of the options shown.",
    },
    "err_too_long": {
        "zh": "文字太长，请缩短到 4000 字以内。",
        "en": "Please shorten your text to 4000 characters.",
    },
    "err_unknown_item": {
        "zh": "该问题不属于本问卷。",
        "en": "This question is not part of the survey.",
    },
    "review_title": {"zh": "最后一步", "en": "Last step"},
    "review_body": {
        "zh": "提交后将无法修改答案。确认提交吗？",
        "en": "Answers cannot be changed after you submit. Ready to submit?",
    },
    "thanks_title": {"zh": "提交成功，谢谢您！", "en": "Submitted — thank you!"},
    "thanks_body": {
        "zh": "您的回答已安全保存。回执编号：",
        "en": "Your answers have been saved. Receipt number:",
    },
    "answered_title": {"zh": "此问卷已经回答过了", "en": "This survey has already been answered"},
    "answered_body": {
        "zh": "每个链接只能提交一次，感谢您的参与。",
        "en": "Each link can be used once. Thank you for taking part.",
    },
    "invalid_title": {"zh": "链接无效", "en": "This link is not valid"},
    "invalid_body": {
        "zh": "请确认完整复制了短信或邮件中的链接；如仍有问题，请联系评价机构获取新链接。",
        "en": "Check that you copied the whole link from the message; if it still fails, ask "
        "the evaluation body for a new one.",
    },
    "expired_title": {"zh": "问卷已结束", "en": "This survey has closed"},
    "expired_body": {
        "zh": "本次调查的答题时间已结束，感谢您的关注。",
        "en": "The time for answering this survey is over. Thank you for your interest.",
    },
    "no_session_title": {"zh": "请通过链接打开问卷", "en": "Please open the survey from your link"},
    "no_session_body": {
        "zh": "请点击短信或邮件中的链接（或扫描二维码）继续答题。",
        "en": "Open the link in your text message or e-mail (or scan the QR code) to continue.",
    },
    "optout_title": {"zh": "不再接收提醒", "en": "Stop reminders"},
    "optout_body": {
        "zh": "确认后，我们将不再就本次调查给您发送短信或邮件。",
        "en": "Once you confirm, we will send you no more messages about this survey.",
    },
    "optout_confirm": {"zh": "确认退订", "en": "Stop messages"},
    "optout_done_title": {"zh": "已退订", "en": "You will get no more messages"},
    "optout_done_body": {
        "zh": "您不会再收到本次调查的提醒。如仍想参与，原链接依然有效。",
        "en": "You will receive no more reminders. Your link still works if you change your mind.",
    },
    "throttled_title": {"zh": "尝试次数过多", "en": "Too many attempts"},
    "throttled_body": {
        "zh": "请稍等片刻再试。",
        "en": "Please wait a moment and try again.",
    },
}


def pick_lang(value: str | None) -> Lang:
    return "en" if value == "en" else DEFAULT_LANG


def translator(lang: Lang):  # type: ignore[no-untyped-def]
    """``t(key, **fields)`` for templates: the message in ``lang``, formatted."""

    def t(key: str, **fields: object) -> str:
        text = MESSAGES[key][lang]
        return text.format(**fields) if fields else text

    return t
