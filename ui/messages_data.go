package ui

// dataTranslations are the words of the shipped catalogue and scorecards a
// person's pages show — event types' titles and actions, rules' reason
// texts — in Russian and Simplified Chinese, keyed by their English text.
// A text without a translation is shown in English. (The persons' types
// and scorecards so far; a test checks that every one of them is here.)
var dataTranslations = map[string]struct{ ru, zh string }{
	// Event types' titles (persons).
	"residence registration":       {"регистрация по месту жительства", "居住登记"},
	"tax return filed on time":     {"налоговая декларация подана в срок", "按时提交的纳税申报"},
	"late tax return":              {"просроченная налоговая декларация", "逾期的纳税申报"},
	"tax arrears":                  {"налоговая задолженность", "欠税"},
	"tax arrears paid":             {"налоговая задолженность погашена", "已缴清的欠税"},
	"loan opened":                  {"открытый кредит", "新开立的贷款"},
	"loan instalment paid on time": {"платёж по кредиту в срок", "按时偿还的贷款分期"},
	"late loan instalment":         {"просроченный платёж по кредиту", "逾期的贷款分期"},
	"loan repaid":                  {"погашенный кредит", "已还清的贷款"},
	"loan in default":              {"кредит в дефолте", "违约贷款"},
	"utility bill paid on time":    {"коммунальный счёт оплачен в срок", "按时缴纳的公用事业账单"},
	"overdue utility bill":         {"просроченный коммунальный счёт", "逾期的公用事业账单"},
	"rent paid on time":            {"аренда оплачена в срок", "按时支付的租金"},
	"late rent payment":            {"просроченная арендная плата", "逾期支付的租金"},
	"court money judgment":         {"судебное решение о взыскании", "法院金钱判决"},
	"court money judgment paid":    {"исполненное судебное решение о взыскании", "已履行的法院金钱判决"},
	"court-ordered restriction":    {"ограничение по решению суда", "法院命令的限制"},
	"court restriction lifted":     {"снятое судом ограничение", "已解除的法院限制"},
	"work permit issued":           {"выданное разрешение на работу", "已签发的工作许可"},
	"work permit expired":          {"истёкшее разрешение на работу", "已过期的工作许可"},

	// Event types' actions (persons).
	"Nothing to do: this fact only tells you apart from others and counts in no grade.":                        {"Ничего делать не нужно: этот факт лишь отличает вас от других и не учитывается ни в одной оценке.", "无需操作：此事实仅用于区分您与他人，不计入任何等级。"},
	"Keep filing your tax return by its deadline.":                                                             {"Продолжайте подавать декларацию в срок.", "请继续按期提交纳税申报。"},
	"File your next tax returns by their deadline; a late one counts less as it ages.":                         {"Подавайте следующие декларации в срок; просроченная со временем весит меньше.", "请按期提交今后的纳税申报；逾期申报的影响会随时间减弱。"},
	"Pay the tax owed: once the tax office records the arrears as settled, that counts in your favour.":        {"Заплатите налог: когда налоговая отметит задолженность погашенной, это будет учтено в вашу пользу.", "请缴清所欠税款：税务机关记录欠税已缴清后，将对您有利。"},
	"Nothing to do: paying your arrears counts in your favour.":                                                {"Ничего делать не нужно: погашение задолженности учитывается в вашу пользу.", "无需操作：缴清欠税对您有利。"},
	"Nothing to do: opening a loan is a fact, not a fault.":                                                    {"Ничего делать не нужно: открытие кредита — факт, а не провинность.", "无需操作：开立贷款只是事实，并非过错。"},
	"Keep paying your instalments by their due date.":                                                          {"Продолжайте платить по кредиту в срок.", "请继续按期偿还分期。"},
	"Pay any instalment still overdue, and the next ones by their due date.":                                   {"Оплатите просроченные платежи, а следующие вносите в срок.", "请偿还仍逾期的分期，并按期偿还今后的分期。"},
	"Nothing to do: a loan repaid in full counts in your favour.":                                              {"Ничего делать не нужно: полностью погашенный кредит учитывается в вашу пользу.", "无需操作：全额还清的贷款对您有利。"},
	"Agree a settlement with the lender and pay it: the lender then reports the loan repaid.":                  {"Договоритесь с кредитором об урегулировании и выплатите его: тогда кредитор сообщит, что кредит погашен.", "请与贷款人达成和解并付清：之后贷款人会报告贷款已还清。"},
	"Keep paying your bills by their due date.":                                                                {"Продолжайте оплачивать счета в срок.", "请继续按期缴纳账单。"},
	"Pay the overdue bill, and the next ones by their due date.":                                               {"Оплатите просроченный счёт, а следующие — в срок.", "请缴清逾期账单，并按期缴纳今后的账单。"},
	"Keep paying your rent by its due date.":                                                                   {"Продолжайте платить за аренду в срок.", "请继续按期支付租金。"},
	"Pay any rent still owed, and the next months by their due date.":                                          {"Заплатите долг по аренде, а следующие месяцы оплачивайте в срок.", "请付清仍拖欠的租金，并按期支付今后各月租金。"},
	"Pay the judgment in full: the court then records it as satisfied, which gives back most of what it cost.": {"Исполните решение полностью: суд отметит его исполненным, и это вернёт бо́льшую часть потерянного.", "请全额履行判决：法院随后会记录为已履行，这将挽回大部分损失。"},
	"Nothing to do: a judgment paid counts in your favour.":                                                    {"Ничего делать не нужно: исполненное решение учитывается в вашу пользу.", "无需操作：已履行的判决对您有利。"},
	"Follow the appeal route the order names, or wait for its end date; a score never imposes it.":             {"Обжалуйте постановление указанным в нём порядком или дождитесь срока его окончания; оценка никогда его не налагает.", "请按命令载明的途径上诉，或等待其到期；评分从不施加限制。"},
	"Nothing to do: the restriction no longer applies.":                                                        {"Ничего делать не нужно: ограничение больше не действует.", "无需操作：该限制已不再适用。"},
	"Nothing to do.": {"Ничего делать не нужно.", "无需操作。"},
	"Renew the permit with the issuing office if you still work under it.": {"Продлите разрешение в выдавшем его органе, если вы по-прежнему работаете по нему.", "如您仍依此许可工作，请向签发机关续期。"},

	// Categories of persons' facts: titles and statements.
	"Identity":         {"Личность", "身份"},
	"Tax":              {"Налоги", "税务"},
	"Credit":           {"Кредит", "信贷"},
	"Utility and rent": {"Коммунальные услуги и аренда", "公用事业与租金"},
	"Court judgment":   {"Судебные решения", "法院判决"},
	"Court order":      {"Судебные постановления", "法院命令"},
	"Licence permit":   {"Лицензии и разрешения", "许可与执照"},
	"Birth year and coarse residence region, to tell subjects apart; serves no scoring purpose.":      {"Год рождения и крупный регион проживания, чтобы различать людей; ни для какой оценки не используется.", "出生年份和大致居住地区，用于区分不同的人；不用于任何评分。"},
	"Filing and payment of taxes: evidence of tax compliance and, for firms, of business conduct.":    {"Подача деклараций и уплата налогов: свидетельство налоговой дисциплины, а для фирм — деловой добросовестности.", "纳税申报与缴纳：纳税合规的证据，对企业而言也是经营行为的证据。"},
	"Loans and their repayment: the core of credit risk, and of whether rent will be paid.":           {"Кредиты и их погашение: основа кредитного риска и того, будет ли оплачена аренда.", "贷款及其偿还：信用风险的核心，也关系到租金能否支付。"},
	"Regular bills and rent: a payment history for rental, and for credit files that are thin.":       {"Регулярные счета и аренда: история платежей для аренды и для скудных кредитных историй.", "日常账单和租金：用于租赁的付款记录，也补充信用记录较少者的档案。"},
	"Money judgments: debts a court found owed, relevant wherever money is lent or owed.":             {"Решения о взыскании: долги, признанные судом, — важны везде, где деньги дают в долг или должны.", "金钱判决：法院认定的欠款，凡涉及借贷或欠款之处均相关。"},
	"Restrictions a court ordered, with reference, expiry and appeal route; only for enforcing them.": {"Ограничения, назначенные судом, с номером, сроком и порядком обжалования; только для их исполнения.", "法院命令的限制，附编号、期限和上诉途径；仅用于执行这些限制。"},
	"Permits and licences granted, expired or revoked: only for licensing decisions.":                 {"Выданные, истёкшие или отозванные разрешения и лицензии: только для решений о лицензировании.", "已签发、过期或吊销的许可和执照：仅用于许可决定。"},

	// The persons' scorecards' titles and grade bands.
	"Rental deposit":                                           {"Залог за аренду", "租房押金"},
	"Consumer credit":                                          {"Потребительский кредит", "消费信贷"},
	"a long record of paying on time":                          {"долгая история своевременных платежей", "长期按时付款的记录"},
	"a good record of paying on time":                          {"хорошая история своевременных платежей", "良好的按时付款记录"},
	"no recent problems, or too little record to tell":         {"недавних проблем нет, или данных слишком мало, чтобы судить", "近期无问题，或记录太少无法判断"},
	"some recent late payments":                                {"несколько недавних просрочек", "近期有一些逾期付款"},
	"repeated recent late payments":                            {"повторяющиеся недавние просрочки", "近期多次逾期付款"},
	"serious recent payment problems, a default or a judgment": {"серьёзные недавние проблемы с платежами, дефолт или судебное решение", "近期严重的付款问题、违约或判决"},
	"exceptional":                                              {"исключительно", "优异"},
	"very good":                                                {"очень хорошо", "很好"},
	"good":                                                     {"хорошо", "好"},
	"fair, or too little record to tell":                       {"удовлетворительно, или данных слишком мало, чтобы судить", "一般，或记录太少无法判断"},
	"poor":                                                     {"плохо", "差"},

	// Reason texts of the persons' scorecards.
	"A court money judgment":                 {"Судебное решение о взыскании", "法院金钱判决"},
	"A court money judgment paid in full":    {"Судебное решение о взыскании исполнено полностью", "法院金钱判决已全额履行"},
	"A large amount in default":              {"Крупная сумма в дефолте", "大额违约"},
	"A large unsecured loan":                 {"Крупный необеспеченный кредит", "大额无担保贷款"},
	"A loan in default":                      {"Кредит в дефолте", "贷款违约"},
	"Instalment 60 or more days late":        {"Платёж просрочен на 60 дней и более", "分期逾期 60 天及以上"},
	"Instalment paid late":                   {"Платёж внесён с опозданием", "分期逾期偿还"},
	"Instalments paid on time":               {"Платежи внесены в срок", "按时偿还的分期"},
	"Length of on-time repayment record":     {"Длительность истории своевременных платежей", "按时还款记录的时长"},
	"Loan instalment 60 or more days late":   {"Платёж по кредиту просрочен на 60 дней и более", "贷款分期逾期 60 天及以上"},
	"Loan instalment paid late":              {"Платёж по кредиту внесён с опозданием", "贷款分期逾期偿还"},
	"Loan instalments paid on time":          {"Платежи по кредиту внесены в срок", "按时偿还的贷款分期"},
	"Loans repaid in full":                   {"Кредиты погашены полностью", "全额还清的贷款"},
	"Recently opened credit":                 {"Недавно открытый кредит", "近期开立的信贷"},
	"Rent and bills paid on time":            {"Аренда и счета оплачены в срок", "按时支付的租金和账单"},
	"Rent or bills 30 or more days late":     {"Аренда или счета просрочены на 30 дней и более", "租金或账单逾期 30 天及以上"},
	"Rent paid 30 or more days late":         {"Аренда оплачена с опозданием на 30 дней и более", "租金逾期 30 天及以上支付"},
	"Rent paid late":                         {"Аренда оплачена с опозданием", "租金逾期支付"},
	"Rent paid on time":                      {"Аренда оплачена в срок", "按时支付的租金"},
	"Utility bill more than 30 days overdue": {"Коммунальный счёт просрочен более чем на 30 дней", "公用事业账单逾期超过 30 天"},
	"Utility bill paid late":                 {"Коммунальный счёт оплачен с опозданием", "公用事业账单逾期缴纳"},
	"Utility bills paid on time":             {"Коммунальные счета оплачены в срок", "按时缴纳的公用事业账单"},
}

// data translates a text of the catalogue or a scorecard into l's
// language, or returns it as it is.
func (l locale) data(s string) string {
	tr, ok := dataTranslations[s]
	switch {
	case !ok || l.index == 0:
		return s
	case languages[l.index].Code == "ru":
		return tr.ru
	}
	return tr.zh
}
