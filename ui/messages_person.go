package ui

// personTranslations are the messages of a person's pages that their Go
// code, rather than a template, writes: flash messages, error messages,
// what each access record read and why, a dispute's steps. Like
// translations, they are keyed by their English text; the catalogue of
// messages holds both.
var personTranslations = map[string]struct{ ru, zh string }{
	// Flash messages.
	"Consent given. Hand the code %s to %s; it works until %s.":                                                {"Согласие дано. Передайте код %s стороне «%s»; он действует до %s.", "已授权。请将代码 %s 交给%s；有效期至%s。"},
	"Consent %s is revoked: %s can no longer use it.":                                                          {"Согласие %s отозвано: «%s» больше не может им пользоваться.", "授权 %s 已撤销：%s 不能再使用它。"},
	"Your request for a review is recorded. A person will look at the decision; its outcome will appear here.": {"Ваша просьба о пересмотре записана. Человек рассмотрит решение; итог появится здесь.", "您的复核请求已记录。将由人工查看该决定；结果会显示在这里。"},
	"Dispute opened. The fact no longer counts in any score while %s looks at it; if they do not confirm it by %s, it is removed.": {
		"Оспаривание открыто. Факт не учитывается ни в одной оценке, пока «%s» его проверяет; если факт не подтвердят до %s, он будет удалён.",
		"异议已提出。在%s核查期间，该事实不计入任何评分；如果在%s之前未被确认，它将被删除。"},
	"Erased %d facts and the records that rested on your consent. What the law makes Candor keep is listed below, with the date it drops off.": {
		"Стёрто фактов: %d, и записи, основанные на вашем согласии. То, что Candor обязан хранить по закону, перечислено ниже с датой удаления.",
		"已删除 %d 项事实以及基于您授权的记录。法律要求 Candor 保留的内容列在下方，并注明删除日期。"},
	"You opted out of %s: no relying party gets a decision from it, whatever consent you gave, until you opt back in.": {
		"Вы отказались от «%s»: никакая сторона не получит по ней решения, какое бы согласие вы ни дали, пока вы снова не начнёте участвовать.",
		"您已退出“%s”：在您重新加入之前，无论您给予何种授权，任何依赖方都不会据此获得决定。"},
	"You opted back in to %s: relying parties you give a consent to can get decisions from it again.": {
		"Вы снова участвуете в «%s»: стороны, которым вы дадите согласие, снова могут получать по ней решения.",
		"您已重新加入“%s”：您授权的依赖方可以再次据此获得决定。"},
	"You disputed the link: your profiles are apart again. The registry may link them again only if it stands by it.": {
		"Вы оспорили связь: ваши профили снова раздельны. Реестр сможет связать их снова, только если подтвердит её.",
		"您已对该关联提出异议：您的档案已重新分开。登记机构只有在坚持其正确时才能再次关联。"},
	"You disputed the link: it goes to review. The registry has 30 days to stand by it; if it does not, your profiles are apart again.": {
		"Вы оспорили связь: она передана на рассмотрение. У реестра есть 30 дней, чтобы подтвердить её; если он этого не сделает, ваши профили снова будут раздельны.",
		"您已对该关联提出异议：它将进入复核。登记机构有 30 天时间坚持其正确；如果没有，您的档案将重新分开。"},
	"Credential %s is revoked: verifiers who check its status now see that it is.": {"Удостоверение %s отозвано: проверяющие, которые проверят его статус, увидят это.", "凭证 %s 已撤销：核验方查询其状态时会看到这一点。"},

	"You are signed in.": {"Вы вошли.", "您已登录。"},

	// Error messages of a person's pages: the portal's own, and the
	// services' a person's forms can meet (errorFormats lists those with
	// arguments).
	"There is no such record.":           {"Такой записи нет.", "没有这条记录。"},
	"There is no such fact.":             {"Такого факта нет.", "没有这项事实。"},
	"You have no such fact.":             {"У вас нет такого факта.", "您没有这项事实。"},
	"The form could not be read.":        {"Форму не удалось прочитать.", "无法读取表单。"},
	"Choose to opt out or back in.":      {"Выберите: отказаться или снова участвовать.", "请选择退出或重新加入。"},
	"Choose a purpose from the list.":    {"Выберите цель из списка.", "请从列表中选择用途。"},
	"A consent lasts from 1 to %d days.": {"Согласие действует от 1 до %s дней.", "授权有效期为 1 至 %s 天。"},
	"Tick the box to confirm that you want your data erased; it cannot be undone.": {"Отметьте флажок, чтобы подтвердить, что хотите стереть свои данные; это необратимо.", "请勾选方框，确认您要删除数据；此操作无法撤销。"},
	"There is no page at %s.":                       {"Страницы %s нет.", "%s 处没有页面。"},
	"Your session has ended. Please sign in again.": {"Ваш сеанс завершён. Пожалуйста, войдите снова.", "您的会话已结束。请重新登录。"},
	"This form has expired or did not come from this site. Please go back, reload the page and try again.": {"Срок действия формы истёк, или она пришла не с этого сайта. Вернитесь, обновите страницу и попробуйте снова.", "此表单已过期或并非来自本网站。请返回、刷新页面后重试。"},
	"Candor could not do this just now. Please try again later.":                                           {"Candor не смог сделать это сейчас. Пожалуйста, попробуйте позже.", "Candor 暂时无法完成此操作。请稍后再试。"},
	"%s is not registered for the purpose %s, so a consent for it would be of no use":                      {"«%s» не зарегистрирована для цели «%s», поэтому согласие для неё было бы бесполезно", "%s 未登记用途“%s”，因此对其授权没有用处"},
	"no decision %s":                                     {"решения %s нет", "没有决定 %s"},
	"no such decision":                                   {"такого решения нет", "没有这项决定"},
	"no relying party %s":                                {"стороны %s нет", "没有依赖方 %s"},
	"you have no consent with that code":                 {"у вас нет согласия с таким кодом", "您没有使用该代码的授权"},
	"you were given no decision %s":                      {"решения %s о вас нет", "没有关于您的决定 %s"},
	"a review of decision %s was asked for on %s":        {"пересмотр решения %s уже запрошен %s", "已于 %[2]s 请求复核决定 %[1]s"},
	"fact %d is %v: only an active fact can be disputed": {"факт %s — %s: оспорить можно только действующий факт", "事实 %s 的状态为 %s：只有有效的事实才能提出异议"},
	"no fact %d":                                         {"факта %s нет", "没有事实 %s"},
	"%s is required: say what is wrong with the fact":    {"нужно заполнить поле %s: скажите, что не так с фактом", "%s 为必填项：请说明该事实有什么问题"},
	"%s has %d characters, more than %d":                 {"в поле %s символов: %s, больше чем %s", "%s 有 %s 个字符，超过 %s 个"},
	"%s holds %s at character %d: submitted text may not hold control characters, escape sequences or bidirectional overrides": {
		"в поле %s на позиции %[3]s стоит %[2]s: в тексте не может быть управляющих символов, escape-последовательностей и переопределений направления",
		"%s 在第 %[3]s 个字符处含有 %[2]s：提交的文本不得含有控制字符、转义序列或双向覆盖字符"},
	"you have not opted out of %q": {"вы не отказывались от %s", "您未退出 %s"},
	"no published scorecard %q":    {"опубликованной методики %s нет", "没有已公布的评分卡 %s"},
	"scorecard %s serves %s, which the law provides for and does not rest on your consent, so it cannot be opted out of": {
		"методика %s служит цели «%s», которая предусмотрена законом и не основана на вашем согласии, поэтому от неё нельзя отказаться",
		"评分卡 %s 用于“%s”，该用途由法律规定，不以您的授权为依据，因此不能退出"},
	"no link %q joins your profile":         {"связь %s не относится к вашему профилю", "没有关联 %s 与您的档案相连"},
	"a consent lasts from 1 day to %d days": {"согласие действует от 1 до %s дней", "授权有效期为 1 至 %s 天"},
	"statement":                             {"заявление", "陈述"},

	// Who looked: why each reader read (see accessWhy) and what (see
	// readWhat).
	"to show you your own data in the portal":           {"чтобы показать вам ваши данные на портале", "在门户中向您展示您自己的数据"},
	"your own read with your API key":                   {"ваше собственное чтение вашим ключом API", "您用自己的 API 密钥读取"},
	"to issue a credential to you":                      {"чтобы выдать вам удостоверение", "为您签发凭证"},
	"to decide whether you qualify, for %s":             {"чтобы решить, подходите ли вы, для цели «%s»", "为“%s”判断您是否符合条件"},
	"to show again a decision already taken about you":  {"чтобы снова показать уже принятое о вас решение", "再次出示已作出的关于您的决定"},
	"%s; the same decision was shown again, none taken": {"%s; показано то же решение, нового не принято", "%s；再次出示了同一决定，未作新决定"},
	"your grades":                                     {"ваши оценки", "您的等级"},
	"your facts":                                      {"ваши факты", "您的事实"},
	"a copy of all your data":                         {"копия всех ваших данных", "您全部数据的副本"},
	"your consents":                                   {"ваши согласия", "您的授权"},
	"the decisions about you":                         {"решения о вас", "关于您的决定"},
	"a decision about you":                            {"решение о вас", "关于您的一项决定"},
	"a decision about you, shown again":               {"решение о вас, показанное снова", "再次出示的关于您的决定"},
	"a decision about you, for its review":            {"решение о вас, для его пересмотра", "关于您的决定，用于复核"},
	"who looked at your data":                         {"кто смотрел ваши данные", "谁查看过您的数据"},
	"the proof that a read is in the log":             {"доказательство, что чтение есть в журнале", "某次读取在日志中的证明"},
	"the proofs that your facts are in the log":       {"доказательства, что ваши факты есть в журнале", "您的事实在日志中的证明"},
	"your disputes":                                   {"ваши оспаривания", "您的异议"},
	"a fact you chose to dispute":                     {"факт, который вы решили оспорить", "您选择提出异议的事实"},
	"your dispute and the fact it contests":           {"ваше оспаривание и оспоренный факт", "您的异议及其所针对的事实"},
	"what erasing your data would remove":             {"что удалит стирание ваших данных", "删除您的数据会移除哪些内容"},
	"the statements you can show":                     {"утверждения, которые вы можете показать", "您可以出示的陈述"},
	"a credential about you":                          {"удостоверение о вас", "关于您的凭证"},
	"the credentials issued to you":                   {"выданные вам удостоверения", "签发给您的凭证"},
	"which profile an identifier of yours belongs to": {"к какому профилю относится ваш идентификатор", "您的某个标识号属于哪个档案"},
	"the summary of your profile":                     {"сводка вашего профиля", "您档案的摘要"},
	"the links between your identifiers":              {"связи между вашими идентификаторами", "您各标识号之间的关联"},
	"your opt-outs":                                   {"ваши отказы от методик", "您退出的评分卡"},
	"your facts, to fit a new scorecard version":      {"ваши факты — для подбора новой версии методики", "您的事实，用于拟合新版评分卡"},
	"a page of yours":                                 {"одна из ваших страниц", "您的一个页面"},

	// Disputes: what a dispute's status means, and who took each step.
	"Set aside: the fact counts in none of %s grades until %s answers. If it does not confirm it by %s, it is removed.": {
		"Отложен: факт не учитывается ни в одной из %s оценок, пока «%s» не ответит. Если факт не подтвердят до %s, он будет удалён.",
		"已搁置：在%[2]s答复之前，该事实不计入%[1]s任何等级。如果在%[3]s之前未被确认，它将被删除。"},
	"your": {"ваших", "您的"},
	"%s confirmed the fact: it counts again.":                                                            {"«%s» подтвердил факт: он снова учитывается.", "%s确认了该事实：它重新计入。"},
	"%s confirmed the fact: it counts again. You can ask for a person to review any decision it led to.": {"«%s» подтвердил факт: он снова учитывается. Вы можете попросить человека пересмотреть любое решение, к которому он привёл.", "%s确认了该事实：它重新计入。您可以请求人工复核由它导致的任何决定。"},
	"%s corrected the fact: its correction replaces it.":                                                 {"«%s» исправил факт: исправление заменяет его.", "%s更正了该事实：更正内容取代了它。"},
	"%s withdrew the fact: it is removed and counts nowhere.":                                            {"«%s» отозвал факт: он удалён и нигде не учитывается.", "%s撤回了该事实：它已被删除，不再计入任何地方。"},
	"%s did not confirm the fact within 30 days: it is removed and counts nowhere.":                      {"«%s» не подтвердил факт за 30 дней: он удалён и нигде не учитывается.", "%s未在 30 天内确认该事实：它已被删除，不再计入任何地方。"},
	"you":                            {"вы", "您"},
	"Candor, as the deadline passed": {"Candor, так как срок истёк", "Candor（因期限已过）"},
	"an operator, recording the answer of %s": {"оператор, записавший ответ «%s»", "记录%s答复的操作员"},
	"open":      {"открыт", "处理中"},
	"verified":  {"подтверждён", "已确认"},
	"withdrawn": {"отозван", "已撤回"},
	"approve":   {"одобрить", "批准"},
	"decline":   {"отказать", "拒绝"},
	"refer":     {"передать человеку", "转人工"},
	"shown":     {"показан", "出示用"},
	"download":  {"файл", "下载"},
	"valid":     {"действует", "有效"},
	"suspended": {"приостановлен", "已暂停"},

	// Refused requests.
	"it had no consent from you":            {"у неё не было вашего согласия", "它没有您的授权"},
	"your consent had ended":                {"срок вашего согласия истёк", "您的授权已到期"},
	"you had revoked your consent":          {"вы отозвали согласие", "您已撤销授权"},
	"your consent was for another purpose":  {"ваше согласие было для другой цели", "您的授权是针对另一用途的"},
	"it is not registered for that purpose": {"она не зарегистрирована для этой цели", "它未登记该用途"},
	"you had opted out of that scorecard":   {"вы отказались от этой методики", "您已退出该评分卡"},

	// Erasure: what is erased or kept, and why.
	"consents":                                 {"согласия", "授权"},
	"decisions":                                {"решения", "决定"},
	"reviews of decisions":                     {"пересмотры решений", "决定的复核"},
	"refused requests for a decision":          {"отклонённые запросы решений", "被拒绝的决定请求"},
	"relying parties' retry keys of decisions": {"ключи повтора запросов решений", "依赖方的决定重试键"},
	"opt-outs":                                 {"отказы от методик", "退出记录"},
	"disputes":                                 {"оспаривания", "异议"},
	"access records":                           {"записи о доступе", "访问记录"},
	"kept so that your opt-outs stay in force for the data that remains": {"хранятся, чтобы ваши отказы действовали для оставшихся данных", "保留，以便您的退出对剩余数据继续有效"},
	"kept while data about you is held: who read it, when and why":       {"хранятся, пока хранятся данные о вас: кто их читал, когда и зачем", "在保存您的数据期间保留：谁读取过、何时以及为何"},
	"kept with the facts they contest, which stay":                       {"хранятся вместе с оспоренными фактами, которые остаются", "与其所针对、仍保留的事实一同保留"},
	"kept under a legal obligation: %s":                                  {"хранится по требованию закона: %s", "依法律义务保留：%s"},

	// Show my status: what a credential's statements say (%v: the
	// value), what a scanner reads and does not.
	"Holds a valid work permit, valid until %v.":                                                                  {"Есть действующее разрешение на работу, до %s.", "持有有效的工作许可，有效期至 %s。"},
	"Taxes are paid: no tax assessment unpaid for more than 60 days.":                                             {"Налоги уплачены: ни одно начисление не остаётся неоплаченным дольше 60 дней.", "税款已缴清：没有任何税款逾期未缴超过 60 天。"},
	"No court-ordered restriction stands.":                                                                        {"Нет действующих ограничений по решению суда.", "没有有效的法院命令限制。"},
	"Rental grade is at least %v (published rental scorecard).":                                                   {"Оценка для аренды — не ниже %s (по опубликованной методике для аренды).", "租房等级不低于 %s（按已公布的租房评分卡）。"},
	"Business-compliance grade is at least %v (published scorecard).":                                             {"Оценка соблюдения требований — не ниже %s (по опубликованной методике).", "企业合规等级不低于 %s（按已公布的评分卡）。"},
	"Registered in the business register and not dissolved.":                                                      {"Зарегистрирована в реестре компаний и не ликвидирована.", "已在企业名录登记且未解散。"},
	"none: a short-lived credential, valid for minutes, is not listed":                                            {"нет: краткосрочное удостоверение, действующее несколько минут, не вносится в список статусов", "无：短期凭证仅有效数分钟，不列入状态列表"},
	"No identity document number: nothing ties this credential to the person in front of you.":                    {"Номера документа нет: ничто не связывает это удостоверение с человеком перед вами.", "没有身份证件号码：没有任何信息将此凭证与您面前的人联系起来。"},
	"%d more statement(s) in this credential, which the holder chose not to show; you cannot tell what they say.": {"Ещё утверждений в удостоверении: %s — владелец решил их не показывать; вы не можете узнать, что в них.", "此凭证中还有 %s 项陈述，持有人选择不出示；您无法得知其内容。"},
	"Nothing about %q: it is not in this credential.":                                                             {"Ничего об утверждении «%s»: его нет в этом удостоверении.", "没有关于“%s”的内容：它不在此凭证中。"},
	"No name, address, photo, facts, amounts, points or scores: a credential never carries them.":                 {"Ни имени, ни адреса, ни фото, ни фактов, сумм, баллов или оценок: удостоверение никогда их не содержит.", "没有姓名、地址、照片、事实、金额、分数或评分：凭证从不包含这些。"},
	"issued %s, valid until %s":                                                                                   {"выдано %s, действует до %s", "签发于 %s，有效期至 %s"},
	"QR code":                                                                                                     {"QR-код", "二维码"},
	"Issuer":                                                                                                      {"Кто выдал", "签发方"},
	"Validity":                                                                                                    {"Срок действия", "有效期"},
	"Compare with the document in front of you":                                                                   {"Сверьте с документом перед вами", "请与您面前的证件核对"},
	"It says":                  {"В нём сказано", "凭证内容"},
	"What you did not receive": {"Чего вы не получили", "您未收到的内容"},
	"%d minutes":               {"%d мин.", "%d 分钟"},
	"%d hours":                 {"%d ч", "%d 小时"},
	"%d days":                  {"%d дн.", "%d 天"},
}

// errorFormats are the keys of personTranslations that are formats of
// error messages with arguments: a message that matches one is
// translated with its arguments (each translated too if it is a message
// itself). Each is written in the portal's or a service's code.
var errorFormats = []string{
	"A consent lasts from 1 to %d days.",
	"There is no page at %s.",
	"%s is not registered for the purpose %s, so a consent for it would be of no use",
	"no relying party %s",
	"you were given no decision %s",
	"a review of decision %s was asked for on %s",
	"fact %d is %v: only an active fact can be disputed",
	"no fact %d",
	"%s is required: say what is wrong with the fact",
	"%s has %d characters, more than %d",
	"%s holds %s at character %d: submitted text may not hold control characters, escape sequences or bidirectional overrides",
	"you have not opted out of %q",
	"no published scorecard %q",
	"no decision %s",
	"Holds a valid work permit, valid until %v.",
	"Rental grade is at least %v (published rental scorecard).",
	"Business-compliance grade is at least %v (published scorecard).",
	"%d more statement(s) in this credential, which the holder chose not to show; you cannot tell what they say.",
	"Nothing about %q: it is not in this credential.",
	"scorecard %s serves %s, which the law provides for and does not rest on your consent, so it cannot be opted out of",
	"no link %q joins your profile",
	"a consent lasts from 1 day to %d days",
}
