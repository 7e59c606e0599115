"""Report wording in Chinese and English. One table, looked up by key, so templates and
charts never hard-code a language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# Default dimension names (the bundled after-sales template); a report context may override.
DIMENSIONS: Mapping[str, Mapping[Lang, str]] = {
    "attitude": {"zh": "服务态度", "en": "Service attitude"},
    "efficiency": {"zh": "服务效率", "en": "Service efficiency"},
    "content": {"zh": "服务内容", "en": "Service content"},
    "environment": {"zh": "服务环境", "en": "Service environment"},
    "responsiveness": {"zh": "服务响应", "en": "Responsiveness"},
    "composite": {"zh": "综合得分", "en": "Composite score"},
}

KPIS: Mapping[str, Mapping[Lang, str]] = {
    "first_response_24h": {"zh": "24小时内首次响应", "en": "First response within 24 h"},
    "resolved_3_working_days": {"zh": "3个工作日内解决", "en": "Resolved within 3 working days"},
    "resolved_30_days": {"zh": "30日内解决", "en": "Resolved within 30 days"},
    "complaint_rate": {"zh": "投诉率", "en": "Complaint rate"},
}

QUADRANTS: Mapping[str, Mapping[Lang, str]] = {
    "keep up the good work": {"zh": "保持优势", "en": "Strength: keep up the good work"},
    "concentrate here": {"zh": "优先改进", "en": "Priority: concentrate here"},
    "low priority": {"zh": "次要改进", "en": "Low priority"},
    "possible overkill": {"zh": "可能过度投入", "en": "Possible overkill"},
}

WEIGHT_METHODS: Mapping[str, Mapping[Lang, str]] = {
    "fixed": {"zh": "固定权重（评分方案规定）", "en": "fixed weights set in the scoring plan"},
    "ahp": {"zh": "层次分析法（AHP）", "en": "analytic hierarchy process (AHP)"},
    "entropy": {"zh": "熵权法", "en": "entropy weights"},
}

FLAGS: Mapping[str, Mapping[Lang, str]] = {
    "straightlining": {"zh": "直线作答", "en": "straight-lining"},
    "too_fast": {"zh": "作答过快", "en": "too fast"},
    "duplicate_device": {"zh": "重复设备", "en": "duplicate device"},
}

TEXT: Mapping[str, Mapping[Lang, str]] = {
    "title": {
        "zh": "消费服务质量第三方评价报告",
        "en": "Third-party Evaluation of Consumer-Service Quality",
    },
    "certificate_no": {"zh": "证书编号", "en": "Certificate No."},
    "enterprise": {"zh": "受评企业", "en": "Enterprise"},
    "round": {"zh": "评价项目", "en": "Evaluation round"},
    "period": {"zh": "评价期间", "en": "Evaluation period"},
    "grade": {"zh": "评价等级", "en": "Grade"},
    "composite": {"zh": "综合得分", "en": "Composite score"},
    "ci": {"zh": "置信区间", "en": "confidence interval"},
    "valid_until": {"zh": "有效期至", "en": "Valid until"},
    "issue_date": {"zh": "签发日期", "en": "Issued on"},
    "issuer": {"zh": "评价机构", "en": "Evaluation body"},
    "scan_verify": {"zh": "扫码或访问以下地址核验", "en": "Scan or visit to verify"},
    "summary": {"zh": "一、评价结论摘要", "en": "1. Executive summary"},
    "dimensions": {"zh": "二、各维度得分", "en": "2. Scores by dimension"},
    "benchmark": {"zh": "三、同业对标", "en": "3. Peer benchmark"},
    "trend": {"zh": "四、与上一轮比较", "en": "4. Change since the previous round"},
    "breakdown": {"zh": "五、分渠道结果", "en": "5. Results by stratum"},
    "item_dist": {"zh": "六、题项回答分布", "en": "6. Answer distributions by item"},
    "kpis": {"zh": "七、客观服务指标", "en": "7. Objective service indicators"},
    "ipa": {"zh": "八、重要性—表现分析", "en": "8. Importance–performance analysis"},
    "observations": {"zh": "九、现场观察发现", "en": "9. On-site observation findings"},
    "methodology": {"zh": "附录 评价方法", "en": "Appendix: Methodology"},
    "statement": {"zh": "认证声明", "en": "Certification statement"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "weight": {"zh": "权重", "en": "Weight"},
    "estimate": {"zh": "得分", "en": "Score"},
    "se": {"zh": "标准误", "en": "SE"},
    "peer_mean": {"zh": "同业均值", "en": "Peer mean"},
    "difference": {"zh": "差值", "en": "Difference"},
    "p_holm": {"zh": "校正p值", "en": "Holm p"},
    "rank": {"zh": "排名", "en": "Rank"},
    "previous": {"zh": "上一轮", "en": "Previous"},
    "current": {"zh": "本轮", "en": "This round"},
    "change": {"zh": "变化", "en": "Change"},
    "stratum": {"zh": "层", "en": "Stratum"},
    "respondents": {"zh": "有效样本", "en": "Respondents"},
    "suppressed": {"zh": "样本不足5，不予报告", "en": "fewer than 5 respondents — suppressed"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "value": {"zh": "实际值", "en": "Observed"},
    "target": {"zh": "标准要求", "en": "Standard"},
    "cases": {"zh": "案例数", "en": "Cases"},
    "finding": {"zh": "发现", "en": "Finding"},
    "severity": {"zh": "程度", "en": "Severity"},
    "no_observations": {
        "zh": "本轮未安排现场观察。",
        "en": "No on-site observation was scheduled in this round.",
    },
    "no_previous": {"zh": "无上一轮评价结果可供比较。", "en": "No previous round to compare with."},
    "frame": {"zh": "服务案例总数", "en": "Service cases (frame)"},
    "sampled": {"zh": "抽取样本", "en": "Sampled"},
    "responded": {"zh": "有效回复", "en": "Responded"},
    "fraction": {"zh": "抽样比", "en": "Sampling fraction"},
    "response_rate": {"zh": "回复率", "en": "Response rate"},
    "alpha": {"zh": "信度α", "en": "Reliability α"},
    "plan_hash": {"zh": "评分方案哈希（SHA-256）", "en": "Scoring plan hash (SHA-256)"},
    "signature": {"zh": "Ed25519签名", "en": "Ed25519 signature"},
    "key_id": {"zh": "签名密钥", "en": "Signing key"},
    "strengths": {"zh": "优势", "en": "Strengths"},
    "priorities": {"zh": "优先改进", "en": "Priorities"},
    "item": {"zh": "题项", "en": "Item"},
    "points": {"zh": "分", "en": "pts"},
    "page": {"zh": "第 {page} 页 / 共 {pages} 页", "en": "Page {page} of {pages}"},
}

LIKERT: Mapping[Lang, tuple[str, ...]] = {
    "zh": ("很不满意", "不满意", "一般", "满意", "很满意"),
    "en": ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
}


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; use one of: zh, en")
    return lang


def t(key: str, lang: Lang) -> str:
    return TEXT[key][lang]


def dimension_name(
    code: str, lang: Lang, names: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    for table in (names or {}, DIMENSIONS):
        entry = table.get(code)
        if entry and entry.get(lang):
            return str(entry[lang])
    return code
