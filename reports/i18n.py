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
    "finding_no": {"zh": "不符合", "en": "Not met"},
    "finding_low": {"zh": "评分偏低", "en": "Rated low"},
    "no_observations": {
        "zh": "本轮未安排现场观察。",
        "en": "No on-site observation was scheduled in this round.",
    },
    "no_previous": {"zh": "无上一轮评价结果可供比较。", "en": "No previous round to compare with."},
    "change_since_last": {
        "zh": "整改后复评：与上一轮相比的变化",
        "en": "Re-evaluation: change since the last round",
    },
    "change_intro": {
        "zh": "本轮为对评价项目 {round} 的复评，采用相同的评分方案。两轮为相互独立的抽样，"
        "变化值的标准误为两轮标准误的平方和开方，自由度按Welch–Satterthwaite公式计算。",
        "en": "This round re-evaluates round {round} under the same scoring plan. The two "
        "rounds are independent samples: the change's SE is the root of the sum of both "
        "squared SEs, with Welch–Satterthwaite degrees of freedom.",
    },
    "p_value": {"zh": "p值", "en": "p-value"},
    "significant": {"zh": "显著", "en": "Significant"},
    "sig_up": {"zh": "显著提升", "en": "significant improvement"},
    "sig_down": {"zh": "显著下降", "en": "significant decline"},
    "not_sig": {"zh": "无显著变化", "en": "no significant change"},
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
    # Complaints and timeliness (sections/complaints.html.j2).
    "complaints": {"zh": "投诉处理与时效", "en": "Complaints and timeliness"},
    "complaints_intro": {
        "zh": "案例登记表记录投诉 {n} 件，其中至少一项超出标准时限的 {breaching} 件，"
        "经消费者同意延期办结的 {extended} 件。",
        "en": "The case registry records {n} complaints; {breaching} breached at least one of "
        "the standards' time limits, and the closure of {extended} was extended with the "
        "consumer's consent.",
    },
    "complaints_note": {
        "zh": "表中为各类投诉在时限内处理的比例。所有投诉的时间均已知时为全面统计，无抽样误差；"
        "否则为分层抽样估计，其下为{conf}%置信区间。尚未到期的未办结案例暂不计入；"
        "经同意延期办结的案例不按30日时限评判。",
        "en": "Shares of each class's complaints handled within each limit. Where every "
        "complaint's times are known the share is a census without sampling error; otherwise "
        "it is a stratified estimate with its {conf}% confidence interval below. Open cases "
        "still within a limit are not counted yet; closures extended with consent are not "
        "judged against 30 days.",
    },
    "complaints_none": {
        "zh": "案例登记表中没有本企业的投诉记录。",
        "en": "The case registry records no complaint for this enterprise.",
    },
    "complaints_unavailable": {
        "zh": "投诉时效未能评价：",
        "en": "Complaint handling times could not be evaluated: ",
    },
    "time_limit": {"zh": "标准时限", "en": "Time limit"},
    "category": {"zh": "投诉类别", "en": "Complaint category"},
    "share": {"zh": "占比", "en": "Share"},
    "top_categories_note": {
        "zh": "主要投诉类别按投诉件数排列，并按受理月份列出各月件数。",
        "en": "Top complaint categories by number of complaints, with counts by month opened.",
    },
    "limit_first_response_24h": {"zh": "24小时内首次响应", "en": "First response within 24 h"},
    "limit_first_response_48h": {"zh": "48小时内首次响应", "en": "First response within 48 h"},
    "limit_assessed_48h": {"zh": "48小时内初步评估", "en": "Initial assessment within 48 h"},
    "limit_followed_up_72h": {
        "zh": "复杂投诉72小时内跟进",
        "en": "Complex cases followed up within 72 h",
    },
    "limit_result_3_working_days": {
        "zh": "3个工作日内给出处理结果",
        "en": "Result within 3 working days",
    },
    "limit_closed_30_days": {"zh": "30日内办结", "en": "Closed within 30 days"},
    "class_general": {"zh": "一般投诉", "en": "General"},
    "class_complex": {"zh": "复杂投诉", "en": "Complex"},
    "class_urgent": {"zh": "紧急投诉", "en": "Urgent"},
    "class_all": {"zh": "全部投诉", "en": "All complaints"},
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
