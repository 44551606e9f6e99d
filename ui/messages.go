package ui

// translations are the portal's messages in Russian and Simplified
// Chinese, keyed by their English text. Every key a template passes to T
// must be here (New checks); dynamicKeys lists those passed as values.
var translations = map[string]struct{ ru, zh string }{
	// The layout.
	"Skip to content":  {"К содержанию", "跳到正文"},
	"Main":             {"Основное меню", "主菜单"},
	"My grades":        {"Мои оценки", "我的等级"},
	"My data":          {"Мои данные", "我的数据"},
	"Consents":         {"Согласия", "授权"},
	"Decisions":        {"Решения", "决定"},
	"Disputes":         {"Оспаривания", "异议"},
	"Who looked":       {"Кто смотрел", "谁查看过"},
	"Show my status":   {"Показать мой статус", "出示我的状态"},
	"Scorecards":       {"Методики оценки", "评分卡"},
	"Company register": {"Реестр компаний", "企业名录"},
	"Verify":           {"Проверить", "核验"},
	"Sign out":         {"Выйти", "退出"},
	"Sign in":          {"Войти", "登录"},
	"Signed in as %s.": {"Вы вошли как %s.", "您已登录：%s。"},
	"Candor shows you everything it holds about you and how every grade is computed. Scorecards are public; no one may look you up without your consent.": {
		"Candor показывает всё, что о вас хранит, и как вычислена каждая оценка. Методики публичны; никто не может найти вас без вашего согласия.",
		"Candor 向您展示它保存的关于您的全部信息，以及每个等级的计算方式。评分卡是公开的；未经您的同意，任何人都不能查询您。"},
	"Language": {"Язык", "语言"},

	// My grades.
	"Each grade below is for one purpose only and is computed, as of %s, from your own active facts under a published scorecard. Disputed, removed and expired facts never count.": {
		"Каждая оценка ниже — только для одной цели; она вычислена на %s по вашим собственным действующим фактам по опубликованной методике. Оспоренные, удалённые и истёкшие факты не учитываются никогда.",
		"以下每个等级只用于一个用途，按已公布的评分卡、根据您本人的有效事实计算，截至%s。有异议的、已删除的和已过期的事实一律不计。"},
	"Purpose: %s":              {"Цель: %s", "用途：%s"},
	"scorecard %s, version %d": {"методика %s, версия %d", "评分卡 %s，第 %d 版"},
	"Grade %s":                 {"Оценка %s", "等级 %s"},
	"%d points on a scale of %d to %d; everyone starts at %d.": {"%d баллов по шкале от %d до %d; у всех в начале %d.", "%d 分（满分范围 %d 至 %d）；每个人起始为 %d 分。"},
	"%d points on a scale from %d to %d":                       {"%d баллов по шкале от %d до %d", "%d 分，范围 %d 至 %d"},
	"With this grade:":                                         {"С этой оценкой:", "凭此等级："},
	"This grade unlocks none of the scorecard's benefits.":     {"Эта оценка не даёт ни одной из льгот методики.", "此等级不享有该评分卡的任何优待。"},
	"Main reasons":                {"Главные причины", "主要原因"},
	"%s points":                   {"баллы: %s", "%s 分"},
	"What you can do:":            {"Что вы можете сделать:", "您可以做的："},
	"Nothing lowered this grade.": {"Ничто не снизило эту оценку.", "没有任何事实降低此等级。"},
	"What would change it":        {"Что её изменит", "什么会改变它"},
	"No single fact stands between you and a better grade.": {"Нет такого отдельного факта, без которого ваша оценка была бы выше.", "没有哪一个单独的事实妨碍您获得更好的等级。"},
	"Your grade over the past two years":                    {"Ваша оценка за последние два года", "过去两年中您的等级"},
	"The same as a table":                                   {"То же в виде таблицы", "以表格显示"},
	"Your grade on the first of each month, and today":      {"Ваша оценка на первое число каждого месяца и сегодня", "每月第一天及今天的等级"},
	"On":      {"Дата", "日期"},
	"Grade":   {"Оценка", "等级"},
	"Points":  {"Баллы", "分数"},
	"today":   {"сегодня", "今天"},
	"changed": {"изменилась", "有变化"},
	"As the scorecard in force now grades the facts held now: a fact disputed or removed since counts at no date.": {
		"Так, как действующая сейчас методика оценивает хранящиеся сейчас факты: факт, оспоренный или удалённый с тех пор, не учитывается ни на одну дату.",
		"按现行评分卡对现存事实的评定：此后有异议或已删除的事实在任何日期都不计。"},
	"How the points add up": {"Из чего складываются баллы", "分数如何构成"},
	"1 fact":                {"1 факт", "1 项事实"},
	"%d facts":              {"фактов: %d", "%d 项事实"},
	"No rule counted any of your facts: your points are the starting points.": {"Ни одно правило не учло ваших фактов: у вас начальные баллы.", "没有规则计入您的任何事实：您的分数即起始分。"},
	"Opt out":                          {"Отказаться", "退出"},
	"You opted out of this scorecard.": {"Вы отказались от этой методики.", "您已退出此评分卡。"},
	"No relying party gets a decision from it, whatever consent you gave.": {"Никакая сторона не получит по ней решения, какое бы согласие вы ни дали.", "无论您给予何种授权，任何依赖方都不会据此获得决定。"},
	"Opt back in to %s": {"Снова участвовать в «%s»", "重新加入“%s”"},
	"%s decisions rest on your consent alone. You may refuse them all, whatever consent you gave.": {
		"Решения с целью «%s» основаны только на вашем согласии. Вы можете отказаться от них всех, какое бы согласие ни дали.",
		"用途为“%s”的决定仅以您的授权为依据。无论您给予何种授权，您都可以全部拒绝。"},
	"Opt out of %s":                          {"Отказаться от «%s»", "退出“%s”"},
	"No published scorecard applies to you.": {"К вам не применяется ни одна опубликованная методика.", "没有适用于您的已公布评分卡。"},
	"lowered by %s":                          {"снижена из-за: %s", "因以下原因降低：%s"},
	"%s and %s":                              {"%s и %s", "%s和%s"},
	", ":                                     {", ", "、"},
	"Your %s of %s stops counting on %s.":    {"Ваш факт «%s» от %s перестаёт учитываться %s.", "您于%[2]s的“%[1]s”将于%[3]s起不再计入。"},
	"Without it, your grade would be %s (%d points instead of %d).":                {"Без него ваша оценка была бы %s (%d баллов вместо %d).", "若没有它，您的等级将为 %s（%d 分而非 %d 分）。"},
	"Without it, you would have %d points instead of %d (still grade %s).":         {"Без него у вас было бы %d баллов вместо %d (оценка всё равно %s).", "若没有它，您将有 %d 分而非 %d 分（等级仍为 %s）。"},
	"These %d facts stop counting one by one, the last on %s.":                     {"Эти факты (%d) перестают учитываться один за другим, последний — %s.", "这 %d 项事实将逐一不再计入，最后一项于%s。"},
	"Without them, your grade would be %s (%d points instead of %d).":              {"Без них ваша оценка была бы %s (%d баллов вместо %d).", "若没有它们，您的等级将为 %s（%d 分而非 %d 分）。"},
	"Without them, you would have %d points instead of %d (still grade %s).":       {"Без них у вас было бы %d баллов вместо %d (оценка всё равно %s).", "若没有它们，您将有 %d 分而非 %d 分（等级仍为 %s）。"},
	"If nothing new happens, your grade stays %s for at least the next two years.": {"Если ничего нового не произойдёт, ваша оценка останется %s по крайней мере ещё два года.", "如无新情况，您的等级在至少未来两年内保持为 %s。"},
	"If nothing new happens, your grade rises to %s on %s, as older facts fade and stop counting.": {
		"Если ничего нового не произойдёт, ваша оценка поднимется до %s — %s, по мере того как старые факты ослабевают и перестают учитываться.",
		"如无新情况，随着旧事实的影响减弱并不再计入，您的等级将于%[2]s升至 %[1]s。"},
	"If nothing new happens, your grade falls to %s on %s, as older facts fade and stop counting.": {
		"Если ничего нового не произойдёт, ваша оценка опустится до %s — %s, по мере того как старые факты ослабевают и перестают учитываться.",
		"如无新情况，随着旧事实的影响减弱并不再计入，您的等级将于%[2]s降至 %[1]s。"},
	"%s: your grade over the past two years": {"%s: ваша оценка за последние два года", "%s：过去两年中您的等级"},
	"Your %s grade on the first of each month and today; grades from %s (top) to %s (bottom).": {
		"Ваша оценка «%s» на первое число каждого месяца и сегодня; оценки от %s (вверху) до %s (внизу).",
		"每月第一天及今天您的“%s”等级；等级从 %s（上）到 %s（下）。"},
	"%s: grade %s, %d points": {"%s: оценка %s, баллов: %d", "%s：等级 %s，%d 分"},
	"now":                     {"сейчас", "现在"},

	// My data.
	"Every fact held about you (%d in all), grouped by category, newest first. A fact drops off on its date under the retention its type has by law; expired facts no longer count anywhere.": {
		"Все факты о вас (всего %d), по категориям, сначала новые. Факт удаляется в свой срок по установленному законом сроку хранения; истёкшие факты больше нигде не учитываются.",
		"关于您的全部事实（共 %d 项），按类别分组，最新的在前。每项事实按法律规定的保存期限到期删除；已过期的事实不再在任何地方计入。"},
	"Download everything Candor holds about you, with your grades and their explanations, your consents and decisions:": {
		"Скачайте всё, что Candor хранит о вас, с оценками и их объяснениями, согласиями и решениями:",
		"下载 Candor 保存的关于您的一切，包括等级及其说明、授权和决定："},
	"as JSON":                       {"в JSON", "JSON 格式"},
	"as CSV":                        {"в CSV", "CSV 格式"},
	"You can also erase your data.": {"Вы также можете стереть свои данные.", "您也可以删除您的数据。"},
	"Every fact was committed to a public, tamper-evident log when it was stored. Each fact's proof shows it is in the log; anyone can check it with the log's public key, without trusting Candor:": {
		"Каждый факт при сохранении занесён в публичный журнал, защищённый от подделки. Доказательство показывает, что факт есть в журнале; любой может проверить его открытым ключом журнала, не доверяя Candor:",
		"每项事实在保存时都已写入公开、防篡改的日志。证明显示该事实在日志中；任何人都可以用日志的公钥核验，无需信任 Candor："},
	"all proofs":       {"все доказательства", "全部证明"},
	"Fact":             {"Факт", "事实"},
	"Source":           {"Источник", "来源"},
	"Date":             {"Дата", "日期"},
	"State":            {"Состояние", "状态"},
	"Drops off":        {"Удаляется", "删除日期"},
	"Action":           {"Действие", "操作"},
	"Dispute %s of %s": {"Оспорить «%s» от %s", "对%[2]s的“%[1]s”提出异议"},
	"Dispute":          {"Оспорить", "提出异议"},
	"Download the proof that %s of %s is in the log": {"Скачать доказательство, что «%s» от %s есть в журнале", "下载%[2]s的“%[1]s”在日志中的证明"},
	"Candor holds no facts about you.":               {"Candor не хранит о вас фактов.", "Candor 未保存关于您的任何事实。"},

	// Who looked.
	"Every read of your data is recorded before it is served, and its record is committed to a public, tamper-evident log: who read it, when, why, and a fingerprint of what they received — never the data itself. Newest first.": {
		"Каждое чтение ваших данных записывается до того, как данные выданы, и запись заносится в публичный журнал, защищённый от подделки: кто читал, когда, зачем и отпечаток полученного — но не сами данные. Сначала новые.",
		"您的数据每次被读取，都会在提供之前记录，并写入公开、防篡改的日志：谁读取、何时、为何，以及所收到内容的指纹——绝不含数据本身。最新的在前。"},
	"Each record's proof shows it is in the log; anyone can check it with the log's public key, without trusting Candor.": {
		"Доказательство показывает, что запись есть в журнале; любой может проверить его открытым ключом журнала, не доверяя Candor.",
		"每条记录的证明显示它在日志中；任何人都可以用日志的公钥核验，无需信任 Candor。"},
	"Others who read your data": {"Кто ещё читал ваши данные", "读取过您数据的其他人"},
	"When":                      {"Когда", "时间"},
	"Who":                       {"Кто", "谁"},
	"Why":                       {"Зачем", "原因"},
	"What":                      {"Что", "内容"},
	"Record":                    {"Запись", "记录"},
	"Proof":                     {"Доказательство", "证明"},
	"proof":                     {"доказательство", "证明"},
	"Download the proof that record %d is in the log": {"Скачать доказательство, что запись %d есть в журнале", "下载第 %d 条记录在日志中的证明"},
	"No one but you has read your data.":              {"Никто, кроме вас, не читал ваших данных.", "除您之外，没有人读取过您的数据。"},
	"Your own reads":                                  {"Ваши собственные просмотры", "您本人的读取"},
	"Each page of yours you open here, and each read with your own API key, is recorded too.": {
		"Каждая ваша страница, открытая здесь, и каждое чтение вашим собственным API-ключом тоже записываются.",
		"您在此打开的每个页面，以及用您自己的 API 密钥进行的每次读取，也都会被记录。"},
	"How":                              {"Как", "方式"},
	"You have not read your data yet.": {"Вы ещё не просматривали свои данные.", "您尚未读取过您的数据。"},

	// Values the templates translate (dynamicKeys).
	"active":                      {"действует", "有效"},
	"disputed":                    {"оспорен", "有异议"},
	"corrected":                   {"исправлен", "已更正"},
	"removed":                     {"удалён", "已删除"},
	"expired":                     {"истёк", "已过期"},
	"relying party":               {"получатель решений", "依赖方"},
	"data source":                 {"источник данных", "数据来源"},
	"Candor operator":             {"оператор Candor", "Candor 运营人员"},
	"Candor reviewer":             {"проверяющий Candor", "Candor 复核人员"},
	"Candor policy administrator": {"администратор методик Candor", "Candor 政策管理员"},
	"you, in the portal":          {"вы, на портале", "您本人，在门户中"},
	"you, through the API":        {"вы, через API", "您本人，通过 API"},
}

// dynamicKeys are the messages templates translate as values rather than
// as literal text: fact states, readers' roles, the person's own reads.
var dynamicKeys = []string{"active", "disputed", "corrected", "removed", "expired", "relying party", "data source",
	"Candor operator", "Candor reviewer", "Candor policy administrator", "you, in the portal", "you, through the API"}
