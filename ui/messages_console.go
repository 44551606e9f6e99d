package ui

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// consoleTranslations are the messages of the operator console, the
// public scorecard pages, the company register, the verifier and the open
// data page, in Russian and Simplified Chinese, keyed by their English
// text, as translations (messages.go) is for a person's pages; init adds
// them to it and to the catalogue.
var consoleTranslations = map[string]struct{ ru, zh string }{
	// The console's layout and home.
	"console":                              {"консоль", "控制台"},
	"Console":                              {"Консоль", "控制台"},
	"Sources":                              {"Источники", "数据来源"},
	"Relying parties":                      {"Получатели решений", "依赖方"},
	"Population":                           {"Население", "人口"},
	"Reviews":                              {"Пересмотры", "复核"},
	"Signed in to the console as %s (%s).": {"Вы вошли в консоль как %s (%s).", "您已登录控制台：%s（%s）。"},
	"The console shows registrations, counts and queues, never a person's profile; counts under 10 are not shown.": {
		"Консоль показывает регистрации, подсчёты и очереди, но никогда — профиль человека; числа меньше 10 не показываются.",
		"控制台显示登记信息、计数和队列，从不显示个人档案；小于 10 的计数不予显示。"},
	"You are signed in with the %s role. The console shows registrations, counts and queues; it never shows a person's profile. Counts under 10 are shown as “<10”.": {
		"Вы вошли с ролью «%s». Консоль показывает регистрации, подсчёты и очереди; она никогда не показывает профиль человека. Числа меньше 10 показываются как «<10».",
		"您以“%s”角色登录。控制台显示登记信息、计数和队列；从不显示个人档案。小于 10 的计数显示为“<10”。"},
	"%d registered. Issue and revoke their keys.": {"Зарегистрировано: %d. Выдавайте и отзывайте их ключи.", "已登记 %d 个。签发和撤销其密钥。"},
	"%d active; 1 proposed version awaiting a second administrator. Simulate a version over the population.": {
		"Действующих: %d; 1 предложенная версия ждёт второго администратора. Смоделируйте версию на населении.",
		"%d 个现行；1 个提议版本等待第二位管理员。可在人口上模拟某个版本。"},
	"%d active; %d proposed versions awaiting a second administrator. Simulate a version over the population.": {
		"Действующих: %d; предложенных версий, ждущих второго администратора: %d. Смоделируйте версию на населении.",
		"%d 个现行；%d 个提议版本等待第二位管理员。可在人口上模拟某个版本。"},
	"How many people and organisations have each grade.": {"Сколько людей и организаций имеют каждую оценку.", "每个等级有多少个人和机构。"},
	"1 decision awaiting human review.":                  {"1 решение ждёт пересмотра человеком.", "1 项决定等待人工复核。"},
	"%d decisions awaiting human review.":                {"Решений, ждущих пересмотра человеком: %d.", "%d 项决定等待人工复核。"},
	"1 open dispute. Record an answer a source gave by letter or phone.": {
		"1 открытое оспаривание. Запишите ответ, который источник дал письмом или по телефону.",
		"1 项未结异议。记录来源通过信函或电话给出的答复。"},
	"%d open disputes. Record an answer a source gave by letter or phone.": {
		"Открытых оспариваний: %d. Запишите ответ, который источник дал письмом или по телефону.",
		"%d 项未结异议。记录来源通过信函或电话给出的答复。"},
	"Signed in to the console.": {"Вы вошли в консоль.", "您已登录控制台。"},
	"Console sign-in":           {"Вход в консоль", "控制台登录"},

	// Signing in to the console.
	"Sign in to the console": {"Вход в консоль", "登录控制台"},
	"The console is for the people who run this installation: operators, policy administrators and reviewers. Sign in with your API key; each of these commands makes one:": {
		"Консоль — для тех, кто обслуживает эту установку: операторов, администраторов методик и проверяющих. Войдите со своим API-ключом; создать его можно любой из этих команд:",
		"控制台供运行本系统的人员使用：运营人员、政策管理员和复核人员。请使用您的 API 密钥登录；以下任一命令都可生成密钥："},
	"People sign in to see their own data on the portal.": {"Люди входят на портал, чтобы увидеть свои данные.", "个人请在门户中登录以查看自己的数据。"},
	"API key": {"API-ключ", "API 密钥"},
	"Starts with cndr_. It is checked, never shown or kept in the page.": {"Начинается с cndr_. Он проверяется, но никогда не показывается и не сохраняется на странице.", "以 cndr_ 开头。仅用于核验，绝不会在页面中显示或保留。"},

	// Sources and relying parties, and their keys.
	"The data providers that may post facts, the event types each may post, and their API keys. A new key is shown once; revoking one stops it at once. A source registered here, or with the command below, may post at once:": {
		"Поставщики данных, которые могут вносить факты, типы событий, которые может вносить каждый, и их API-ключи. Новый ключ показывается один раз; отозванный ключ сразу перестаёт действовать. Источник, зарегистрированный здесь или командой ниже, может вносить факты сразу:",
		"可以提交事实的数据提供方、各自可提交的事件类型及其 API 密钥。新密钥只显示一次；撤销后立即失效。在此处或用下面的命令登记的来源可立即提交："},
	"Register a source":                     {"Зарегистрировать источник", "登记数据来源"},
	"ID (lower-case letters, digits and _)": {"ID (строчные латинские буквы, цифры и _)", "ID（小写字母、数字和 _）"},
	"Name":                                  {"Название", "名称"},
	"Event types it may post, comma-separated (a type ending in * matches a prefix: %s)": {
		"Типы событий, которые он может вносить, через запятую (тип, оканчивающийся на *, задаёт префикс: %s)",
		"可提交的事件类型，以逗号分隔（以 * 结尾的类型匹配前缀：%s）"},
	"Register": {"Зарегистрировать", "登记"},
	"Registering an existing ID updates its name and types; its kind cannot change.": {"Регистрация существующего ID обновляет его название и типы; вид изменить нельзя.", "登记已有 ID 会更新其名称和类型；类型种类不能更改。"},
	"ID":                       {"ID", "ID"},
	"May post":                 {"Может вносить", "可提交"},
	"Issue a new key for %s":   {"Выдать новый ключ для «%s»", "为“%s”签发新密钥"},
	"No source is registered.": {"Ни один источник не зарегистрирован.", "尚未登记任何数据来源。"},
	"Who may ask for decisions, for which purposes, and their API keys. A new key is shown once; revoking one stops it at once. A relying party registered here, or with the command below, may ask at once:": {
		"Кто может запрашивать решения, для каких целей, и их API-ключи. Новый ключ показывается один раз; отозванный ключ сразу перестаёт действовать. Получатель, зарегистрированный здесь или командой ниже, может запрашивать сразу:",
		"谁可以请求决定、用于哪些用途，以及其 API 密钥。新密钥只显示一次；撤销后立即失效。在此处或用下面的命令登记的依赖方可立即请求："},
	"Register a relying party":                {"Зарегистрировать получателя решений", "登记依赖方"},
	"Name, shown to the people it asks about": {"Название, которое увидят люди, о которых он спрашивает", "名称，会向被查询的个人显示"},
	"Purposes it may ask for decisions for":   {"Цели, для которых он может запрашивать решения", "可请求决定的用途"},
	"Purposes the law lets it pursue without consent are set with the command below; updating a relying party here keeps them:": {
		"Цели, которые закон разрешает ему преследовать без согласия, задаются командой ниже; обновление получателя здесь их сохраняет:",
		"法律允许其无需授权即可追求的用途用下面的命令设置；在此更新依赖方会保留这些用途："},
	"Purposes":                        {"Цели", "用途"},
	"Without consent, by law":         {"Без согласия, по закону", "依法无需授权"},
	"Registered":                      {"Зарегистрирован", "登记日期"},
	"No relying party is registered.": {"Ни один получатель решений не зарегистрирован.", "尚未登记任何依赖方。"},
	"New key for %s":                  {"Новый ключ для «%s»", "“%s”的新密钥"},
	"Key %s of the %s %s is made. This is the only time its token is shown: copy it now and hand it over safely.": {
		"Ключ %s (%s, %s) создан. Его токен показывается только сейчас: скопируйте его и передайте безопасным способом.",
		"密钥 %s（%s，%s）已生成。其令牌仅此一次显示：请立即复制并安全交付。"},
	"Token":            {"Токен", "令牌"},
	"Back to the list": {"Назад к списку", "返回列表"},
	"API keys of %s":   {"API-ключи «%s»", "“%s”的 API 密钥"},
	"Key ID":           {"ID ключа", "密钥 ID"},
	"Created":          {"Создан", "创建日期"},
	"revoked %s":       {"отозван %s", "已于%s撤销"},
	"Revoke key %s":    {"Отозвать ключ %s", "撤销密钥 %s"},
	"No API key yet.":  {"API-ключей пока нет.", "尚无 API 密钥。"},
	"Source %s is registered with %d event types; issue it a key below.": {"Источник %s зарегистрирован; типов событий: %d. Выдайте ему ключ ниже.", "数据来源 %s 已登记，含 %d 种事件类型；请在下方为其签发密钥。"},
	"Relying party %s is registered; issue it a key below.":              {"Получатель решений %s зарегистрирован; выдайте ему ключ ниже.", "依赖方 %s 已登记；请在下方为其签发密钥。"},
	"Key %s of %s is revoked.":                                           {"Ключ %s («%s») отозван.", "“%[2]s”的密钥 %[1]s 已撤销。"},

	// Disputes.
	"Open disputes, nearest deadline first. The fact of each is set aside until its source answers; a fact not confirmed by the deadline is removed by Candor. Sources answer through the API; here you record an answer a source gave another way. Opening a dispute is recorded: its subject sees that an operator looked, when and why.": {
		"Открытые оспаривания, сначала с ближайшим сроком. Факт каждого отложен, пока не ответит его источник; факт, не подтверждённый к сроку, Candor удаляет. Источники отвечают через API; здесь вы записываете ответ, данный источником иным способом. Открытие оспаривания записывается: его субъект видит, что смотрел оператор, когда и зачем.",
		"未结异议，截止日期最近的在前。每项异议涉及的事实在来源答复前暂不计入；截止日期前未获确认的事实由 Candor 删除。来源通过 API 答复；您在此记录来源以其他方式给出的答复。打开异议会被记录：当事人会看到运营人员查看过、何时以及为何查看。"},
	"Dispute %s":                            {"Оспаривание %s", "异议 %s"},
	"Left":                                  {"Осталось", "剩余"},
	"overdue":                               {"просрочено", "已逾期"},
	"No dispute is open.":                   {"Открытых оспариваний нет.", "没有未结异议。"},
	"The source's ID of the fact":           {"ID факта у источника", "来源的事实 ID"},
	"Opened":                                {"Открыто", "提出日期"},
	"Deadline":                              {"Срок", "截止日期"},
	"Where it stands":                       {"Где оно сейчас", "目前状态"},
	"What the subject says":                 {"Что говорит субъект", "当事人的陈述"},
	"Record the source's answer":            {"Записать ответ источника", "记录来源的答复"},
	"%s answered":                           {"Ответ источника «%s»", "%s的答复"},
	"It confirms the fact: it counts again": {"Подтверждает факт: он снова учитывается", "确认该事实：重新计入"},
	"It corrected the fact with an event it posted":                                            {"Исправил факт внесённым им событием", "已用其提交的事件更正该事实"},
	"It withdraws the fact: it is removed":                                                     {"Отзывает факт: он удаляется", "撤回该事实：予以删除"},
	"The correcting event's ID":                                                                {"ID исправляющего события", "更正事件的 ID"},
	"Only for a correction: the source's own ID of the event it posted about the same person.": {"Только для исправления: собственный ID события, которое источник внёс о том же человеке.", "仅用于更正：来源就同一人提交的事件的自有 ID。"},
	"Note": {"Примечание", "备注"},
	"The person will read it. Say how the source answered (a letter of 2 December, say).": {"Человек это прочтёт. Укажите, как ответил источник (например, письмом от 2 декабря).", "当事人会阅读此备注。请说明来源如何答复（例如 12 月 2 日的信函）。"},
	"Record the answer": {"Записать ответ", "记录答复"},
	"Dispute %s settled: %s. Its subject sees the step, in your name.": {"Оспаривание %s решено: %s. Его субъект видит этот шаг от вашего имени.", "异议 %s 已处理：%s。当事人会看到这一步，署您的名。"},
	"Set aside: the fact counts in none of the subject's grades until %s answers. If it does not confirm it by %s, it is removed.": {
		"Отложен: факт не учитывается ни в одной оценке субъекта, пока не ответит «%s». Если источник не подтвердит его до %s, факт удаляется.",
		"暂不计入：在%s答复前，该事实不计入当事人的任何等级。如未在%s前确认，该事实将被删除。"},
	// Reviews.
	"Decisions whose subjects asked for a person to review them, oldest request first. Opening a case is recorded: its subject sees that a reviewer looked, when and why.": {
		"Решения, субъекты которых попросили о пересмотре человеком, сначала самые давние запросы. Открытие дела записывается: его субъект видит, что смотрел проверяющий, когда и зачем.",
		"当事人要求人工复核的决定，最早的请求在前。打开案件会被记录：当事人会看到复核人员查看过、何时以及为何查看。"},
	"Decision":              {"Решение", "决定"},
	"Asked for":             {"Запрошено", "请求日期"},
	"Waiting":               {"Ожидает", "等待时长"},
	"Review %s":             {"Пересмотр %s", "复核 %s"},
	"No review is waiting.": {"Пересмотров в ожидании нет.", "没有等待中的复核。"},
	"Review of decision %s": {"Пересмотр решения %s", "决定 %s 的复核"},
	"The decision":          {"Решение", "该决定"},
	"Purpose and benefit":   {"Цель и льгота", "用途与优待"},
	"Outcome":               {"Итог", "结果"},
	"grade %s":              {"оценка %s", "等级 %s"},
	"Scorecard":             {"Методика", "评分卡"},
	"Taken":                 {"Принято", "作出日期"},
	"What the person says":  {"Что говорит человек", "当事人的陈述"},
	"Asked for on %s.":      {"Запрошено %s.", "于%s请求。"},
	"The score it rests on": {"Оценка, на которой оно основано", "其所依据的评分"},
	"Reproduced from the facts known when the decision was taken, at its instant, under %s:": {
		"Воспроизведена по фактам, известным на момент решения, на тот же момент, по методике %s:",
		"按作出决定时已知的事实、在该时刻、依据 %s 重现："},
	"grade": {"оценка", "等级"},
	"%d points on a scale of %d to %d (everyone starts at %d); %s.": {"%d баллов по шкале от %d до %d (у всех в начале %d); %s.", "%d 分（范围 %d 至 %d，每个人起始为 %d 分）；%s。"},
	"Main reasons, as the person reads them":                        {"Главные причины, как их читает человек", "主要原因（当事人看到的表述）"},
	"Contributions and the facts behind them":                       {"Вклады и стоящие за ними факты", "各项分值及其背后的事实"},
	"State now": {"Состояние сейчас", "当前状态"},
	"No fact: the characteristic's value is that there were none.": {"Фактов нет: значение характеристики в том, что их не было.", "没有事实：该特征的取值即为没有此类事实。"},
	"No rule counted any fact: the score is the starting points.":  {"Ни одно правило не учло ни одного факта: оценка равна начальным баллам.", "没有规则计入任何事实：分数即起始分。"},
	"Close the review": {"Завершить пересмотр", "结束复核"},
	"An outcome other than the decision's overturns it.": {"Итог, отличный от итога решения, отменяет его.", "与原决定不同的结果即推翻原决定。"},
	"Approve":   {"Одобрить", "批准"},
	"Decline":   {"Отказать", "拒绝"},
	"Rationale": {"Обоснование", "理由"},
	"The person will read it. Say what you checked and why you decided so.": {"Человек это прочтёт. Напишите, что вы проверили и почему так решили.", "当事人会阅读此理由。请说明您核查了什么以及为何如此决定。"},
	"(withheld: shown only to the person and the court register)":           {"(скрыто: показывается только самому человеку и судебному реестру)", "（不予显示：仅向当事人和法院登记处显示）"},
	"no longer held": {"больше не хранится", "已不再保存"},
	"upheld":         {"оставлено в силе", "维持"},
	"overturned":     {"отменено", "推翻"},
	"Review of decision %s closed: the decision is %s.": {"Пересмотр решения %s завершён: решение %s.", "决定 %s 的复核已结束：决定被%s。"},

	// Population.
	"How many subjects have each grade under each active scorecard, computed from the scores stored with every fact. Counts only: no one is named.": {
		"Сколько субъектов имеют каждую оценку по каждой действующей методике, по оценкам, сохранённым с каждым фактом. Только подсчёты: никто не назван.",
		"按每个现行评分卡、根据随每项事实保存的评分，统计每个等级的对象数量。只有计数：不列出任何人。"},
	"Every count carries random noise (differential privacy, ε %s per count; within ±%d of the true count 95 %% of the time), and each recount is paid from the console's privacy budget, so that neither one count nor the difference of two recounts singles anyone out.": {
		"Каждое число содержит случайный шум (дифференциальная приватность, ε %s на число; в 95 %% случаев в пределах ±%d от истинного), и каждый пересчёт оплачивается из бюджета приватности консоли, так что ни одно число, ни разность двух пересчётов не выделяют никого.",
		"每个计数都带有随机噪声（差分隐私，每个计数 ε %s；95 %% 的情况下与真实值相差不超过 ±%d），每次重新计数都从控制台的隐私预算中支出，因此无论单个计数还是两次计数之差都不会暴露任何人。"},
	"Every count carries random noise (differential privacy), and each recount is paid from the console's privacy budget, so that neither one count nor the difference of two recounts singles anyone out.": {
		"Каждое число содержит случайный шум (дифференциальная приватность), и каждый пересчёт оплачивается из бюджета приватности консоли, так что ни одно число, ни разность двух пересчётов не выделяют никого.",
		"每个计数都带有随机噪声（差分隐私），每次重新计数都从控制台的隐私预算中支出，因此无论单个计数还是两次计数之差都不会暴露任何人。"},
	"Noisy counts under 10 are not shown.": {"Зашумлённые числа меньше 10 не показываются.", "小于 10 的带噪计数不予显示。"},
	"Recompute now":                        {"Пересчитать сейчас", "立即重新计算"},
	"Not computed yet.":                    {"Ещё не подсчитано.", "尚未计算。"},
	"Computed %s in %s.":                   {"Подсчитано %s за %s.", "计算于%s，用时 %s。"},
	"Recomputing reads the whole population, in the background.":         {"Пересчёт читает всё население в фоновом режиме.", "重新计算会在后台读取全部人口。"},
	"Under way since %s: %s. This page reloads itself until it is done.": {"Выполняется с %s: %s. Страница обновляется сама, пока работа не закончится.", "自 %s 起进行中：%s。本页会自动刷新直至完成。"},
	"The last recount failed: %s":                                        {"Последний пересчёт не удался: %s", "上次重新计数失败：%s"},
	"A scorecard in use now has no counts yet: recompute.":               {"У действующей сейчас методики ещё нет подсчётов: пересчитайте.", "现行的某个评分卡尚无计数：请重新计算。"},
	"v%d, %s":                {"в%d, %s", "第 %d 版，%s"},
	"%s by grade (total %s)": {"%s по оценкам (всего %s)", "按等级划分的%s（合计 %s）"},
	"Subjects":               {"Субъектов", "对象数"},
	"No grade has 10 or more %s: there is nothing to draw.":                        {"Ни у одной оценки нет 10 и более (%s): рисовать нечего.", "没有哪个等级的%s达到 10 个或以上：无可绘制。"},
	"%s by grade under %s v%d":                                                     {"%s по оценкам по методике %s в%d", "%[2]s 第 %[3]d 版下按等级划分的%[1]s"},
	"Number of subjects with each grade; grades with fewer than 10 are not drawn.": {"Число субъектов с каждой оценкой; оценки, у которых их меньше 10, не рисуются.", "每个等级的对象数量；少于 10 个的等级不予绘制。"},
	"counting grades": {"подсчёт оценок", "正在统计等级"},
	"Counting started. This page shows the new counts when it is done.":             {"Подсчёт начат. Когда он закончится, страница покажет новые числа.", "已开始计数。完成后本页将显示新的计数。"},
	"A pass over the population is under way already; start yours when it is done.": {"Проход по населению уже выполняется; запустите свой, когда он закончится.", "已有一次人口遍历正在进行；请待其完成后再开始。"},
	"persons":                    {"люди", "个人"},
	"organisations":              {"организации", "机构"},
	"a person":                   {"человек", "个人"},
	"an organisation":            {"организация", "机构"},
	"an unknown kind of subject": {"неизвестный вид субъекта", "未知类型的对象"},
	"about %d":                   {"около %d", "约 %d"},
	"under a day":                {"меньше суток", "不到一天"},
	"1 day":                      {"1 день", "1 天"},
	"under a millisecond":        {"меньше миллисекунды", "不到一毫秒"},
	"%d ms":                      {"%d мс", "%d 毫秒"},
	"%s s":                       {"%s с", "%s 秒"},
	"1 year":                     {"1 год", "1 年"},
	"%d years":                   {"лет: %d", "%d 年"},
	"1 month":                    {"1 месяц", "1 个月"},
	"%d months":                  {"месяцев: %d", "%d 个月"},
	// Scorecards in the console.
	"Every published version, the one each scorecard uses now, and the versions proposed and waiting for a second policy administrator. Before approving one, simulate it: see how many would move from each grade to each other. An approved version is served within seconds, with no restart.": {
		"Все опубликованные версии, та, которую каждая методика использует сейчас, и версии, предложенные и ждущие второго администратора методик. Прежде чем одобрить версию, смоделируйте её: посмотрите, сколько субъектов перейдёт из каждой оценки в каждую другую. Одобренная версия начинает применяться за секунды, без перезапуска.",
		"所有已公布的版本、每个评分卡当前使用的版本，以及已提议、等待第二位政策管理员的版本。批准之前请先模拟：查看有多少对象会从每个等级移到其他等级。批准的版本几秒内即投入使用，无需重启。"},
	"Published versions":                 {"Опубликованные версии", "已公布的版本"},
	"Version":                            {"Версия", "版本"},
	"For":                                {"Для", "适用于"},
	"Proposed by":                        {"Предложил", "提议人"},
	"Approved by":                        {"Одобрил", "批准人"},
	"Awaiting approval":                  {"Ждут одобрения", "等待批准"},
	"Fairness audit":                     {"Аудит справедливости", "公平性审计"},
	"four-fifths rule met":               {"правило четырёх пятых соблюдено", "符合五分之四规则"},
	"four-fifths rule":                   {"правило четырёх пятых", "五分之四规则"},
	"not":                                {"не", "未"},
	"met":                                {"соблюдено", "符合"},
	"not met":                            {"не соблюдено", "不符合"},
	"None yet: required before approval": {"Пока нет: обязателен до одобрения", "尚无：批准前必须完成"},
	"none":                               {"нет", "无"},
	"Yours: a second administrator approves it.": {"Ваша: одобряет второй администратор.", "您提议的：由第二位管理员批准。"},
	"Not until it is audited.":                   {"Только после аудита.", "须先经审计。"},
	"Approve %s v%d":                             {"Одобрить %s в%d", "批准 %s 第 %d 版"},
	"Fairness audit of %s v%d":                   {"Аудит справедливости %s в%d", "%s 第 %d 版的公平性审计"},
	"Recorded by %s on %s (administrative act %d) for the source with SHA-256 %s: %d rows, %d bad outcomes. The sample and the protected attributes were not kept.": {
		"Записан %s %s (административный акт %d) для исходного файла с SHA-256 %s: строк — %d, плохих исходов — %d. Выборка и защищённые признаки не сохранены.",
		"由%s于%s记录（管理行为 %d），针对 SHA-256 为 %s 的源文件：%d 行，%d 个不良结果。样本和受保护属性均未保留。"},
	"%s: grade %s, score %d or more (%s approved)": {"%s: оценка %s, %d баллов и больше (одобрено %s)", "%s：等级 %s，%d 分及以上（批准率 %s）"},
	"equal-opportunity difference %s":              {"разность равных возможностей %s", "机会均等差异 %s"},
	"Group":                                        {"Группа", "组别"},
	"Rows":                                         {"Строк", "行数"},
	"Approved":                                     {"Одобрено", "批准率"},
	"Adverse-impact ratio":                         {"Коэффициент неблагоприятного воздействия", "不利影响比率"},
	"Approved among good outcomes":                 {"Одобрено среди хороших исходов", "良好结果中的批准率"},
	"(below 0.8)":                                  {"(ниже 0,8)", "（低于 0.8）"},
	"No version is waiting for approval.":          {"Ни одна версия не ждёт одобрения.", "没有等待批准的版本。"},
	"Propose a version":                            {"Предложить версию", "提议版本"},
	"File name":                                    {"Имя файла", "文件名"},
	"The scorecard file":                           {"Файл методики", "评分卡文件"},
	"The next version of a published scorecard, numbered above every version of it.": {"Следующая версия опубликованной методики с номером больше любой её версии.", "已公布评分卡的下一个版本，版本号须高于其所有已有版本。"},
	"Propose":             {"Предложить", "提议"},
	"Simulate a version":  {"Смоделировать версию", "模拟版本"},
	"Version to simulate": {"Моделируемая версия", "要模拟的版本"},
	"Compared with":       {"Сравнить с", "对比基准"},
	"An active version for the same kind of subject; by default the one the version to simulate would replace.": {"Действующая версия для того же вида субъектов; по умолчанию та, которую заменит моделируемая версия.", "同类对象的现行版本；默认为要模拟的版本将取代的版本。"},
	"the active version of the same scorecard":                                      {"действующая версия той же методики", "同一评分卡的现行版本"},
	"Simulate over the population":                                                  {"Смоделировать на населении", "在人口上模拟"},
	"Scores everyone twice, in the background: over millions of subjects, minutes.": {"Оценивает всех дважды в фоновом режиме: на миллионах субъектов — минуты.", "在后台为每个人评分两次：数百万对象需要数分钟。"},
	"There is no version other than the active ones to simulate.":                   {"Кроме действующих, моделировать нечего.", "除现行版本外没有可模拟的版本。"},
	"The simulation failed: %s":                                                     {"Моделирование не удалось: %s", "模拟失败：%s"},
	"Grade migration from %s to %s":                                                 {"Переходы оценок с %s на %s", "从 %s 到 %s 的等级迁移"},
	"Rows are grades under %s, columns grades under %s, computed %s in %s over %s subjects. Moved up: %s; moved down: %s.": {
		"Строки — оценки по %s, столбцы — оценки по %s; подсчитано %s за %s по %s субъектам. Поднялись: %s; опустились: %s.",
		"行为 %s 下的等级，列为 %s 下的等级，于%s计算，用时 %s，共 %s 个对象。上升：%s；下降：%s。"},
	"Every count carries random noise (differential privacy, ε %s; within ±%d of the true count 95 %% of the time), paid from the console's privacy budget.": {
		"Каждое число содержит случайный шум (дифференциальная приватность, ε %s; в 95 %% случаев в пределах ±%d от истинного), оплаченный из бюджета приватности консоли.",
		"每个计数都带有随机噪声（差分隐私，ε %s；95 %% 的情况下与真实值相差不超过 ±%d），从控制台的隐私预算中支出。"},
	"Subjects by grade under %s (rows) and %s (columns)": {"Субъекты по оценкам по %s (строки) и %s (столбцы)", "按 %s（行）和 %s（列）下等级划分的对象"},
	"From / to": {"Из / в", "从 / 到"},
	"from / to": {"из / в", "从 / 到"},
	"Total":     {"Всего", "合计"},
	"Circle area is the number of subjects; a dashed ring stands for fewer than 10, whose number is not shown. Totals over cells not shown are rounded to tens.": {
		"Площадь круга — число субъектов; пунктирное кольцо означает меньше 10, их число не показывается. Итоги по непоказанным ячейкам округлены до десятков.",
		"圆的面积表示对象数量；虚线圆环表示少于 10 个，其数量不予显示。包含未显示单元格的合计四舍五入到十位。"},
	"Rows: grade under %s. Columns: grade under %s. Circle area: number of subjects; dashed rings: fewer than 10.": {
		"Строки: оценка по %s. Столбцы: оценка по %s. Площадь круга: число субъектов; пунктирные кольца: меньше 10.",
		"行：%s 下的等级。列：%s 下的等级。圆面积：对象数量；虚线圆环：少于 10 个。"},
	"%s to %s: %s":             {"из %s в %s: %s", "%s 到 %s：%s"},
	"simulating %s against %s": {"моделирование %s в сравнении с %s", "正在以 %[2]s 为基准模拟 %[1]s"},
	"Simulation started. This page shows its result when it is done.":            {"Моделирование начато. Когда оно закончится, страница покажет результат.", "模拟已开始。完成后本页将显示结果。"},
	"%s version %d is proposed: a second policy administrator approves it here.": {"%s, версия %d, предложена: её одобряет здесь второй администратор методик.", "%s 第 %d 版已提议：由第二位政策管理员在此批准。"},
	"%s version %d is approved: it is served once its matches with the facts stored before are stored, in moments.": {
		"%s, версия %d, одобрена: она начнёт применяться, как только будут сохранены её совпадения с уже хранящимися фактами, — через мгновения.",
		"%s 第 %d 版已批准：其与已存事实的匹配保存完毕后即投入使用，只需片刻。"},
	"shipped":    {"поставлено с системой", "系统自带"},
	"superseded": {"заменена", "已被取代"},
	"proposed":   {"предложена", "已提议"},
	// The published scorecards.
	"Published scorecards": {"Опубликованные методики", "已公布的评分卡"},
	"Every grade Candor gives comes from one of these scorecards. Each serves one purpose only and may use only facts whose category serves that purpose.": {
		"Каждая оценка, которую даёт Candor, получена по одной из этих методик. Каждая служит только одной цели и может использовать только факты, категория которых служит этой цели.",
		"Candor 给出的每个等级都来自这些评分卡之一。每个评分卡只服务于一个用途，只能使用其类别服务于该用途的事实。"},
	"Purpose: %s · for %s · version %d, in force from %s":                {"Цель: %s · субъект: %s · версия %d, действует с %s", "用途：%s · 适用对象：%s · 第 %d 版，自%s起生效"},
	"Scorecard %s · version %d, in force from %s · purpose: %s · for %s": {"Методика %s · версия %d, действует с %s · цель: %s · субъект: %s", "评分卡 %s · 第 %d 版，自%s起生效 · 用途：%s · 适用对象：%s"},
	"Everyone starts at %d points; each characteristic below is worked out from your own facts, and the bin your value falls in adds or takes away its points; the total is kept between %d and %d.": {
		"У всех в начале %d баллов; каждая характеристика ниже вычисляется по вашим собственным фактам, и интервал, в который попадает ваше значение, добавляет или отнимает свои баллы; итог держится в пределах от %d до %d.",
		"每个人起始为 %d 分；下面每个特征都根据您本人的事实计算，您的取值所落入的区间会加上或减去相应分数；总分保持在 %d 至 %d 之间。"},
	"Everyone starts at %d points; each rule below adds or takes away points for facts it counts; the total is kept between %d and %d.": {
		"У всех в начале %d баллов; каждое правило ниже добавляет или отнимает баллы за учитываемые им факты; итог держится в пределах от %d до %d.",
		"每个人起始为 %d 分；下面每条规则会为其计入的事实加分或减分；总分保持在 %d 至 %d 之间。"},
	"Grades":                             {"Оценки", "等级"},
	"From points":                        {"От баллов", "起始分数"},
	"Meaning":                            {"Значение", "含义"},
	"What grades unlock":                 {"Что дают оценки", "等级带来的优待"},
	"at grade %s or better":              {"при оценке %s или выше", "等级 %s 或更好时"},
	"Characteristics":                    {"Характеристики", "特征"},
	"Facts counted":                      {"Учитываемые факты", "计入的事实"},
	"when":                               {"когда", "条件"},
	"Value":                              {"Значение", "取值"},
	"any other value":                    {"любое другое значение", "任何其他取值"},
	"Characteristic %s · reason code %s": {"Характеристика %s · код причины %s", "特征 %s · 原因代码 %s"},
	"Rules":                              {"Правила", "规则"},
	"%s per fact":                        {"%s за факт", "每项事实 %s"},
	"How they count":                     {"Как они учитываются", "计分方式"},
	"Rule %s · reason code %s":           {"Правило %s · код причины %s", "规则 %s · 原因代码 %s"},
	"group %s":                           {"группа %s", "组 %s"},
	"Other versions":                     {"Другие версии", "其他版本"},
	"version %d":                         {"версия %d", "第 %d 版"},
	"from %s":                            {"с %s", "自%s起"},
	"facts of the last %s":               {"факты за последние %s", "最近 %s 内的事实"},
	"facts until they drop off":          {"факты до их удаления", "事实在删除前一直计入"},
	"worth less as they age, nothing at the end": {"со временем весят меньше, в конце — ничего", "随时间推移分值递减，期满归零"},
	"each worth half as much every %s":           {"вес каждого уменьшается вдвое каждые %s", "每过 %s 分值减半"},
	"only the first counts":                      {"учитывается только первый", "只计第一项"},
	"only the %d most recent count":              {"учитываются только %d самых недавних", "只计最近的 %d 项"},
	"never more than %s points in all":           {"всего не больше %s баллов", "合计不超过 %s 分"},
	"; ":                                         {"; ", "；"},
	"until they drop off":                        {"до их удаления", "直至删除"},
	"of the last %s":                             {"за последние %s", "最近 %s 内"},
	"how many such facts %s":                     {"сколько таких фактов %s", "%s此类事实的数量"},
	"whole months since the latest such fact %s (none: no value)": {"полных месяцев с последнего такого факта %s (нет фактов — нет значения)", "自%s最近一项此类事实以来的整月数（没有则无取值）"},
	"the share, from 0 to 1, of the facts of these types %s for which the condition holds (none: no value)": {
		"доля (от 0 до 1) фактов этих типов %s, для которых выполняется условие (нет фактов — нет значения)",
		"%s这些类型的事实中满足条件者所占比例，取 0 至 1（没有则无取值）"},
	// For the sum and max characteristics (the aggregates branch): its
	// Aggregate cases move to locale.Aggregate with these messages.
	"the total %s of such facts %s (none: 0)":             {"сумма %s таких фактов %s (нет фактов — 0)", "%[2]s此类事实的%[1]s合计（没有则为 0）"},
	"the largest %s among such facts %s (none: no value)": {"наибольшее %s среди таких фактов %s (нет фактов — нет значения)", "%[2]s此类事实中最大的%[1]s（没有则无取值）"},
	"%s in %s":            {"%s в %s", "%s（%s）"},
	"none in the window":  {"нет в окне", "期间内没有"},
	"from %s to below %s": {"от %s до менее %s", "%s 至低于 %s"},
	"%s or more":          {"%s и больше", "%s 及以上"},
	"below %s":            {"меньше %s", "低于 %s"},
	"any value":           {"любое значение", "任何取值"},

	// Who approved what.
	"The record of administrative acts does not verify: an act was written, altered or removed behind it. No administrative act is possible until this is resolved.": {
		"Запись административных актов не проходит проверку: акт был записан, изменён или удалён в обход неё. Никакой административный акт невозможен, пока это не будет устранено.",
		"管理行为记录未通过核验：有行为被绕过记录写入、篡改或删除。在此问题解决之前，不能进行任何管理行为。"},
	"Who approved what": {"Кто что одобрил", "谁批准了什么"},
	"Every act of a policy administrator — a key minted, requested, approved or revoked; a scorecard version proposed or approved — with who did it, with which key and when. A version is only approved by a second administrator, and an administrator's key after the first two only works once a second administrator approves it. Each act is committed to the public transparency log; its commitment is shown, and this address gives each act's record to recompute it:": {
		"Каждый акт администратора методик — ключ создан, запрошен, одобрен или отозван; версия методики предложена или одобрена — с тем, кто его совершил, каким ключом и когда. Версию одобряет только второй администратор, а ключ администратора после первых двух действует, лишь когда его одобрит второй администратор. Каждый акт заносится в публичный журнал прозрачности; показано его обязательство, а по этому адресу есть запись каждого акта, чтобы пересчитать его:",
		"政策管理员的每一项行为——密钥的生成、申请、批准或撤销；评分卡版本的提议或批准——以及由谁、用哪个密钥、在何时完成。版本只能由第二位管理员批准；前两位之后的管理员密钥须经第二位管理员批准才能生效。每项行为都写入公开的透明日志；此处显示其承诺值，以下地址提供每项行为的记录以便重新计算："},
	"Act":           {"Акт", "行为"},
	"Concerns":      {"Чего касается", "涉及"},
	"By":            {"Кто", "执行人"},
	"Key":           {"Ключ", "密钥"},
	"Commitment":    {"Обязательство", "承诺值"},
	"%s version %d": {"%s, версия %d", "%s 第 %d 版"},
	"key %s of %s":  {"ключ %s (%s)", "%[2]s的密钥 %[1]s"},
	"(bootstrap)":   {"(начальная установка)", "（初始化）"},
	"administrator's key minted (one of the first two)": {"создан ключ администратора (один из первых двух)", "生成管理员密钥（前两个之一）"},
	"administrator's key requested":                     {"запрошен ключ администратора", "申请管理员密钥"},
	"administrator's key approved":                      {"одобрен ключ администратора", "批准管理员密钥"},
	"administrator's key revoked":                       {"отозван ключ администратора", "撤销管理员密钥"},
	"version proposed":                                  {"версия предложена", "提议版本"},
	"version approved":                                  {"версия одобрена", "批准版本"},
	"version audited for fairness":                      {"версия проверена на справедливость", "版本经公平性审计"},

	// The company register.
	"Anyone may look up an organisation's current business-compliance grade, as with food hygiene ratings. People are never listed.": {
		"Любой может узнать текущую оценку добросовестности организации, как рейтинг санитарного состояния заведений. Людей в реестре нет никогда.",
		"任何人都可以查询机构当前的企业合规等级，如同食品卫生评级。个人从不列入。"},
	"Company registration number": {"Регистрационный номер компании", "企业注册号"},
	"For example %s.":             {"Например, %s.", "例如 %s。"},
	"Look up":                     {"Найти", "查询"},
	"As of %s, under":             {"На %s, по методике", "截至%s，依据"},
	"%s, version %d":              {"%s, версия %d", "%s，第 %d 版"},
	"Compliance badge: valid":     {"Знак добросовестности: действителен", "合规徽章：有效"},
	"The badge that brought you here was signed by Candor for this organisation. The grade above is the current one; the badge says what was true when it was issued.": {
		"Знак, по которому вы пришли сюда, подписан Candor для этой организации. Оценка выше — текущая; знак говорит о том, что было верно на момент его выдачи.",
		"引您来到此处的徽章由 Candor 为该机构签署。上方等级为当前等级；徽章说明的是签发时的情况。"},
	"Compliance badge: not valid":                                     {"Знак добросовестности: недействителен", "合规徽章：无效"},
	"The grade above is the register's own, whatever the badge says.": {"Оценка выше — собственная оценка реестра, что бы ни говорил знак.", "无论徽章如何表述，上方等级均为名录自身的等级。"},

	// The verifier.
	"Verify a credential": {"Проверить удостоверение", "核验凭证"},
	"Check a Candor status credential: scan its QR code, upload a photo of it, or paste its text. The check uses only Candor's published keys and status list; Candor does not learn who you checked.": {
		"Проверьте удостоверение статуса Candor: отсканируйте его QR-код, загрузите его фото или вставьте его текст. Проверка использует только опубликованные ключи и список статусов Candor; Candor не узнаёт, кого вы проверили.",
		"核验 Candor 状态凭证：扫描其二维码、上传其照片或粘贴其文本。核验只使用 Candor 公布的密钥和状态列表；Candor 不会知道您核验了谁。"},
	"Valid %s":                  {"Действительно: %s", "有效的%s"},
	"Not valid":                 {"Недействительно", "无效"},
	"Scan with the camera":      {"Сканировать камерой", "用摄像头扫描"},
	"Photo of the QR code":      {"Фото QR-кода", "二维码照片"},
	"PNG or JPEG.":              {"PNG или JPEG.", "PNG 或 JPEG。"},
	"Or the credential's text":  {"Или текст удостоверения", "或凭证文本"},
	"Starting %s or an SD-JWT.": {"Начинается с %s, или SD-JWT.", "以 %s 开头，或为 SD-JWT。"},
	"Nothing was received: scan, paste or upload a credential.":                                                              {"Ничего не получено: отсканируйте, вставьте или загрузите удостоверение.", "未收到任何内容：请扫描、粘贴或上传凭证。"},
	"%s (status list of %s)":                                                                                                 {"%s (список статусов от %s)", "%s（%s的状态列表）"},
	"%s: %v (not a statement Candor defines)":                                                                                {"%s: %v (такого утверждения Candor не определяет)", "%s：%v（非 Candor 定义的声明）"},
	"The verifier's reason, in English:":                                                                                     {"Причина, названная проверкой (по-английски):", "核验给出的原因（英文）："},
	"No organisation is registered under %q.":                                                                                {"Под номером %q не зарегистрирована ни одна организация.", "注册号 %q 下没有登记任何机构。"},
	"The company register is not published on this server.":                                                                  {"Реестр компаний на этом сервере не публикуется.", "本服务器未发布企业名录。"},
	"This page is not for the %s role you signed in with.":                                                                   {"Эта страница не для роли «%s», с которой вы вошли.", "此页面不适用于您登录时的“%s”角色。"},
	"This form did not come from this site, or your browser refused its cookie. Open the sign-in page again.":                {"Эта форма пришла не с этого сайта, или ваш браузер отклонил её cookie. Откройте страницу входа снова.", "此表单并非来自本网站，或您的浏览器拒绝了其 cookie。请重新打开登录页面。"},
	"That is not a valid API key, or it has been revoked.":                                                                   {"Это недействительный API-ключ, или он отозван.", "这不是有效的 API 密钥，或已被撤销。"},
	"A %s key cannot sign in to the console: it takes an operator's, a policy administrator's or a reviewer's.":              {"С ключом вида «%s» нельзя войти в консоль: нужен ключ оператора, администратора методик или проверяющего.", "“%s”密钥不能登录控制台：须使用运营人员、政策管理员或复核人员的密钥。"},
	"That policy administrator's key was not minted and approved by administrative acts, or was revoked: it cannot sign in.": {"Этот ключ администратора методик не был создан и одобрен административными актами или был отозван: с ним нельзя войти.", "该政策管理员密钥未经管理行为生成和批准，或已被撤销：不能登录。"},
	"Choose the kind of source.":                                                                                             {"Выберите вид источника.", "请选择数据来源的类型。"},
	"The console revokes sources' and relying parties' keys only; use candor source revoke for others.":                      {"Консоль отзывает только ключи источников и получателей решений; для остальных используйте candor source revoke.", "控制台只撤销数据来源和依赖方的密钥；其他密钥请使用 candor source revoke。"},
	"Choose a version to approve.":                                                                                           {"Выберите версию для одобрения.", "请选择要批准的版本。"},
	"Choose a version to simulate and an active version to compare it with.":                                                 {"Выберите версию для моделирования и действующую версию для сравнения.", "请选择要模拟的版本和用于对比的现行版本。"},
	"No review of decision %s is open.":                                                                                      {"Открытого пересмотра решения %s нет.", "决定 %s 没有进行中的复核。"},
	"There is no published scorecard %q of that version.":                                                                    {"Опубликованной методики %q этой версии нет.", "没有该版本的已公布评分卡 %q。"},
	"Too many look-ups from your address. Please wait a few seconds and try again.":                                          {"Слишком много запросов с вашего адреса. Подождите несколько секунд и попробуйте снова.", "来自您地址的查询过多。请稍等几秒后再试。"},
	"Too many checks from your address. Please wait a few seconds and try again.":                                            {"Слишком много проверок с вашего адреса. Подождите несколько секунд и попробуйте снова.", "来自您地址的核验过多。请稍等几秒后再试。"},
	"The form could not be read; a photo may be at most %d MiB.":                                                             {"Форму не удалось прочитать; фото может быть не больше %d МиБ.", "无法读取表单；照片最大为 %d MiB。"},
	"status credential": {"удостоверение статуса", "状态凭证"},
	"compliance badge":  {"знак добросовестности", "合规徽章"},

	// Open data.
	"Monthly statistics about the population Candor holds, published once a month is over. Every number carries random noise chosen so that no one can be singled out, whatever else is known about them (differential privacy: each release spends a fixed privacy budget, ε, shared by its tables, and is published once). Noisy counts under 10 are shown as “<10”. The same tables are at this address:": {
		"Ежемесячная статистика о населении, данные о котором хранит Candor, публикуемая по окончании месяца. Каждое число содержит случайный шум, подобранный так, чтобы никого нельзя было выделить, что бы ещё о нём ни было известно (дифференциальная приватность: каждый выпуск тратит фиксированный бюджет приватности ε, общий для его таблиц, и публикуется один раз). Зашумлённые числа меньше 10 показываются как «<10». Те же таблицы есть по этому адресу:",
		"关于 Candor 所保存人口的月度统计，每月结束后发布。每个数字都带有随机噪声，其选取使任何人都无法被单独识别，无论关于其还知道什么（差分隐私：每次发布花费固定的隐私预算 ε，由其各表共享，且只发布一次）。小于 10 的带噪计数显示为“<10”。同样的表格见以下地址："},
	"Nothing is published yet.":          {"Пока ничего не опубликовано.", "尚未发布任何内容。"},
	"Arrears and dispute rates by month": {"Доли задолженностей и оспариваний по месяцам", "按月的欠款率和异议率"},
	"Share of persons with a fact that month who fell into arrears, and who have a fact under dispute": {"Доля людей с фактом в этом месяце, у которых возникла задолженность, и тех, у кого факт оспаривается", "当月有事实的个人中陷入欠款者的比例，以及有事实处于异议中者的比例"},
	"Solid: arrears; dashed: disputes.":                        {"Сплошная: задолженности; пунктир: оспаривания.", "实线：欠款；虚线：异议。"},
	"Published %s · privacy budget ε %s for the whole release": {"Опубликовано %s · бюджет приватности ε %s на весь выпуск", "发布于%s · 整次发布的隐私预算 ε %s"},
	"Of":                                   {"Из", "类别"},
	"Count":                                {"Число", "计数"},
	"Rate":                                 {"Доля", "比例"},
	"Persons with a fact of each category": {"Люди с фактом каждой категории", "有各类别事实的个人"},
	"Persons with a fact from each kind of source":                               {"Люди с фактом от каждого вида источников", "有来自各类来源事实的个人"},
	"Persons with a fact of each type":                                           {"Люди с фактом каждого типа", "有各类型事实的个人"},
	"Persons who fell into arrears":                                              {"Люди, у которых возникла задолженность", "陷入欠款的个人"},
	"Persons with a fact under dispute":                                          {"Люди с оспариваемым фактом", "有事实处于异议中的个人"},
	"Subjects by grade: %s":                                                      {"Субъекты по оценкам: %s", "按等级划分的对象：%s"},
	"ε %s; each subject in at most %d cells; noise within ±%d 95 %% of the time": {"ε %s; каждый субъект не более чем в %d ячейках; в 95 %% случаев шум в пределах ±%d", "ε %s；每个对象最多出现在 %d 个单元格中；95 %% 的情况下噪声不超过 ±%d"},
	"any fact":  {"любой факт", "任何事实"},
	"%s %s: %s": {"%s, %s: %s", "%s %s：%s"},
	"arrears":   {"задолженности", "欠款"},

	// Words the pages show as values (consoleDynamicKeys).
	"operator":                     {"оператор", "运营人员"},
	"policy admin":                 {"администратор методик", "政策管理员"},
	"reviewer":                     {"проверяющий", "复核人员"},
	"source":                       {"источник", "数据来源"},
	"tax authority":                {"налоговый орган", "税务机关"},
	"bank":                         {"банк", "银行"},
	"utility":                      {"коммунальная служба", "公用事业"},
	"landlord":                     {"арендодатель", "房东"},
	"court":                        {"суд", "法院"},
	"inspectorate":                 {"инспекция", "监察机构"},
	"registry":                     {"реестр", "登记机构"},
	"licensing authority":          {"лицензирующий орган", "许可机关"},
	"identity":                     {"личность", "身份"},
	"tax":                          {"налоги", "税务"},
	"utility and rent":             {"коммунальные услуги и аренда", "公用事业与租金"},
	"court judgment":               {"судебные решения", "法院判决"},
	"court order":                  {"судебные постановления", "法院命令"},
	"licence permit":               {"лицензии и разрешения", "许可与执照"},
	"corporate filing":             {"отчётность компаний", "企业申报"},
	"regulatory inspection":        {"проверки надзорных органов", "监管检查"},
	"labour compliance":            {"трудовое законодательство", "劳动合规"},
	"pre approval":                 {"предварительное одобрение", "预先批准"},
	"rate discount":                {"скидка по ставке", "利率优惠"},
	"deposit waived":               {"без залога", "免押金"},
	"deposit reduced":              {"сниженный залог", "减少押金"},
	"simplified filing":            {"упрощённая отчётность", "简化申报"},
	"payment plan":                 {"рассрочка платежа", "分期付款"},
	"reduced inspection frequency": {"реже проверки", "降低检查频率"},
	"public badge":                 {"публичный знак", "公开徽章"},
	"fast track renewal":           {"ускоренное продление", "快速续期"},
}

// consoleDataTranslations are the words of the organisations' scorecard
// the public pages show, as dataTranslations (messages_data.go) is for
// the persons'.
var consoleDataTranslations = map[string]struct{ ru, zh string }{
	"Business compliance":                              {"Добросовестность бизнеса", "企业合规"},
	"meets its duties":                                 {"выполняет свои обязанности", "履行其义务"},
	"mostly meets its duties, or too new to tell":      {"в основном выполняет свои обязанности, или слишком новая, чтобы судить", "基本履行其义务，或成立时间太短无法判断"},
	"repeated lapses":                                  {"повторяющиеся нарушения", "屡有疏失"},
	"serious breaches or debts":                        {"серьёзные нарушения или долги", "严重违规或债务"},
	"Accounts filed on time":                           {"Отчётность подана в срок", "按时提交账目"},
	"Accounts filed late":                              {"Отчётность подана с опозданием", "逾期提交账目"},
	"Accounts filed more than 90 days late":            {"Отчётность подана с опозданием более чем на 90 дней", "账目逾期超过 90 天提交"},
	"Tax returns filed on time":                        {"Налоговые декларации поданы в срок", "按时提交纳税申报"},
	"Tax return filed late":                            {"Налоговая декларация подана с опозданием", "逾期提交纳税申报"},
	"Inspections passed":                               {"Проверки пройдены", "通过检查"},
	"Minor breaches found on inspection":               {"При проверке найдены незначительные нарушения", "检查发现轻微违规"},
	"Major or critical breaches found on inspection":   {"При проверке найдены серьёзные или критические нарушения", "检查发现重大或严重违规"},
	"Wages owed and unpaid":                            {"Задолженность по зарплате", "拖欠工资"},
	"Wages owed to ten or more workers":                {"Задолженность по зарплате перед десятью и более работниками", "拖欠十名或以上工人的工资"},
	"Wage arrears paid":                                {"Задолженность по зарплате погашена", "已付清拖欠工资"},
	"Company tax in arrears":                           {"Налоговая задолженность компании", "企业欠税"},
	"Company tax arrears settled":                      {"Налоговая задолженность компании погашена", "企业欠税已缴清"},
	"The landlord may let without a security deposit.": {"Арендодатель может сдать жильё без залога.", "房东可免收押金出租。"},
}

// ruPlurals are the Russian forms of the messages whose noun agrees with
// the number: one (1, 21), few (2–4, 22–24) and many (5–20, 25); the
// catalogue picks one by the number (CLDR plural rules).
var ruPlurals = map[string][3]string{
	"%d days":   {"%d день", "%d дня", "%d дней"},
	"%d months": {"%d месяц", "%d месяца", "%d месяцев"},
	"%d years":  {"%d год", "%d года", "%d лет"},
}

// duplicateKeys are the keys of consoleTranslations that another file
// translates already (or of consoleDataTranslations that
// dataTranslations holds): a test wants none, so that one text has one
// translation.
var duplicateKeys []string

func init() {
	for k, tr := range consoleTranslations {
		if translated(k) {
			duplicateKeys = append(duplicateKeys, k)
			continue
		}
		translations[k] = tr
		messages.SetString(language.Russian, k, tr.ru)
		messages.SetString(language.SimplifiedChinese, k, tr.zh)
	}
	for k, f := range ruPlurals {
		messages.Set(language.Russian, k, plural.Selectf(1, "%d", "one", f[0], "few", f[1], "many", f[2], "other", f[1]))
	}
	for k, tr := range consoleDataTranslations {
		if _, ok := dataTranslations[k]; ok {
			duplicateKeys = append(duplicateKeys, k)
			continue
		}
		dataTranslations[k] = tr
	}
}
