package ui

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/candor-project/candor"
)

// The catalogue's and the domain's words a person's pages show, in
// Russian and Simplified Chinese, keyed by their stable identifiers
// (a field's name, an enum value, a read purpose's name, a scheme's
// name, a benefit's name). English is the identifier as words, or the
// domain's own text; an identifier a catalogue adds without a
// translation is shown in English (TestPersonDataIsTranslated holds the
// shipped catalogue to having them all).

type trans = struct{ ru, zh string }

// fieldWords are the names of the fields of facts about persons.
var fieldWords = map[string]trans{
	"case_ref":     {"номер дела", "案件编号"},
	"amount":       {"сумма", "金额"},
	"currency":     {"валюта", "币种"},
	"order_ref":    {"номер постановления", "命令编号"},
	"court":        {"суд", "法院"},
	"legal_basis":  {"правовое основание", "法律依据"},
	"restriction":  {"ограничение", "限制"},
	"expires_on":   {"действует до", "到期日"},
	"appeal_route": {"порядок обжалования", "上诉途径"},
	"reason":       {"причина", "原因"},
	"account":      {"счёт", "账户"},
	"days_late":    {"дней просрочки", "逾期天数"},
	"product":      {"продукт", "产品"},
	"principal":    {"сумма кредита", "本金"},
	"term_months":  {"срок, мес.", "期限（月）"},
	"birth_year":   {"год рождения", "出生年份"},
	"region":       {"регион", "地区"},
	"permit_no":    {"номер разрешения", "许可编号"},
	"valid_until":  {"действительно до", "有效期至"},
	"reference":    {"номер", "编号"},
	"tax_year":     {"налоговый год", "纳税年度"},
	"service":      {"услуга", "服务"},
	"days_overdue": {"дней просрочки", "逾期天数"},
}

// enumWords are the values of the enum fields of facts about persons,
// keyed field=value.
var enumWords = map[string]trans{
	"restriction=company_director":     {"руководство компанией", "担任公司董事"},
	"restriction=asset_disposal":       {"распоряжение имуществом", "处置资产"},
	"restriction=leaving_jurisdiction": {"выезд за пределы юрисдикции", "离开司法管辖区"},
	"reason=satisfied":                 {"исполнено", "已履行"},
	"reason=appeal_allowed":            {"жалоба удовлетворена", "上诉获准"},
	"reason=expired":                   {"срок истёк", "已到期"},
	"reason=other":                     {"другое", "其他"},
	"product=mortgage":                 {"ипотека", "抵押贷款"},
	"product=consumer":                 {"потребительский кредит", "消费贷款"},
	"product=card":                     {"кредитная карта", "信用卡"},
	"product=auto":                     {"автокредит", "汽车贷款"},
	"product=student":                  {"образовательный кредит", "助学贷款"},
	"region=north":                     {"север", "北部"},
	"region=south":                     {"юг", "南部"},
	"region=east":                      {"восток", "东部"},
	"region=west":                      {"запад", "西部"},
	"region=central":                   {"центр", "中部"},
	"service=electricity":              {"электричество", "电"},
	"service=gas":                      {"газ", "燃气"},
	"service=water":                    {"вода", "水"},
	"service=heating":                  {"отопление", "供暖"},
	"service=telecom":                  {"связь", "电信"},
}

// readPurposeWords are the reasons operators and reviewers state, keyed
// by the candor.ReadPurpose's name (English: its Words).
var readPurposeWords = map[string]trans{
	"subject_request":   {"чтобы ответить на ваш запрос (вопрос, жалобу, копию ваших данных)", "为答复您提出的请求（问题、投诉、数据副本）"},
	"dispute":           {"чтобы рассмотреть ваше оспаривание одного из ваших фактов", "为处理您对某项事实提出的异议"},
	"human_review":      {"для пересмотра решения человеком, о котором вы просили", "为您请求的人工复核决定"},
	"data_quality":      {"чтобы проверить присланный источником факт о вас после сообщения об ошибке", "在有人报告错误后，核查来源提交的关于您的事实"},
	"legal_obligation":  {"потому что этого потребовал суд или надзорный орган", "因法院命令或监管机构要求"},
	"security_incident": {"чтобы расследовать возможную утечку или злоупотребление вашими данными", "为调查您的数据可能遭泄露或滥用的情况"},
	"model_development": {"чтобы вычислить по вашим фактам характеристики для подбора новой версии опубликованной методики; результат — строка без вашего имени и идентификатора", "为根据您的事实计算用于拟合已公布评分卡新版本的特征；结果是一行不含您姓名或标识号的数据"},
}

// schemeWords are the identifier schemes' titles.
var schemeWords = map[string]trans{
	"national_id":    {"Национальный идентификатор", "国民身份号码"},
	"tax_number":     {"Налоговый номер", "税号"},
	"company_reg_no": {"Регистрационный номер компании", "公司注册号"},
	"ru_snils":       {"СНИЛС", "俄罗斯 SNILS（个人保险账号）"},
	"ru_inn":         {"ИНН", "俄罗斯 INN（纳税人识别号）"},
	"ru_ogrn":        {"ОГРН", "俄罗斯 OGRN（国家注册号）"},
	"cn_resident_id": {"Номер удостоверения личности жителя КНР", "居民身份证号码"},
	"cn_uscc":        {"Единый код социального кредита КНР", "统一社会信用代码"},
	"passport":       {"Паспорт", "护照"},
}

// benefitWords are the benefits' names and what each lets a relying
// party do, keyed by the benefit's name.
var benefitWords = map[string]struct{ name, desc trans }{
	"pre_approval":                 {trans{"предварительное одобрение", "预先批准"}, trans{"кредит предварительно одобрен в пределах стандартного лимита кредитора", "在贷款人标准额度内预先批准信贷"}},
	"rate_discount":                {trans{"сниженная ставка", "利率优惠"}, trans{"процентная ставка ниже стандартной ставки кредитора", "低于贷款人标准利率的利率"}},
	"deposit_waived":               {trans{"без залога", "免押金"}, trans{"арендодатель может сдать жильё без залога", "房东可以不收押金出租"}},
	"deposit_reduced":              {trans{"сниженный залог", "减免押金"}, trans{"залог ниже обычного для арендодателя", "押金低于房东通常的金额"}},
	"simplified_filing":            {trans{"упрощённая отчётность", "简化申报"}, trans{"упрощённая декларация или меньше подтверждающих документов", "简化申报表或更少的证明文件"}},
	"payment_plan":                 {trans{"рассрочка", "分期缴纳"}, trans{"налог можно уплатить в рассрочку без гарантии", "所欠税款可分期缴纳，无需担保"}},
	"reduced_inspection_frequency": {trans{"реже проверки", "减少检查频率"}, trans{"плановые проверки проводятся реже", "例行检查次数减少"}},
	"public_badge":                 {trans{"публичный знак", "公开标志"}, trans{"организация может показывать свою оценку соблюдения требований", "组织可以展示其合规等级"}},
	"fast_track_renewal":           {trans{"ускоренное продление", "快速续期"}, trans{"лицензия или разрешение продлевается без полной проверки", "执照或许可无需全面审查即可续期"}},
}

// pick is en in l's language, from tr if ok, else en itself.
func (l locale) pick(en string, tr trans, ok bool) string {
	switch {
	case !ok || l.index == 0:
		return en
	case languages[l.index].Code == "ru":
		return cmp.Or(tr.ru, en)
	}
	return cmp.Or(tr.zh, en)
}

// field is a fact's field name in l's language.
func (l locale) field(name string) string {
	tr, ok := fieldWords[name]
	return l.pick(words(name), tr, ok)
}

// fieldValue is a fact's field value in l's language: an enum's value
// in words, anything else (numbers, amounts, dates, references) as it is.
func (l locale) fieldValue(name, value string, enum bool) string {
	if !enum {
		return value
	}
	tr, ok := enumWords[name+"="+value]
	return l.pick(words(value), tr, ok)
}

// scheme is an identifier scheme's title in l's language.
func (l locale) scheme(s candor.Scheme) string {
	tr, ok := schemeWords[s.String()]
	return l.pick(s.Title(), tr, ok)
}

// personLabel is a person's label (personLabel: a scheme's title and
// an identifier) in l's language.
func (l locale) personLabel(label string) string {
	for _, d := range candor.Schemes().All() {
		if rest, ok := strings.CutPrefix(label, d.Title+" "); ok {
			return l.scheme(d.Code) + " " + rest
		}
	}
	return label
}

// benefit is a benefit's name, and what it lets a relying party do, in
// l's language.
func (l locale) benefit(p candor.Purpose, name string) (title, desc string) {
	b, ok := benefitWords[name]
	title = l.pick(words(name), b.name, ok)
	if spec, found := candor.LookupBenefit(p, name); found && spec.Description != "" {
		desc = l.pick(spec.Description, b.desc, ok)
	}
	return title, desc
}

// accessWhy says, in l's language, why an access record's reader read:
// recorded is the purpose as the record keeps it (a read purpose's name,
// or the words the API or the portal recorded), purposes the words of
// candor.Purposes by name.
func (l locale) accessWhy(recorded string) string {
	if tr, ok := readPurposeWords[recorded]; ok {
		return l.pick(candor.PurposeWords(recorded), tr, true)
	}
	what, replayed := strings.CutSuffix(recorded, " (replayed for its Idempotency-Key)")
	var out string
	switch {
	case what == "the person's own data, in the portal":
		out = l.T("to show you your own data in the portal")
	case what == "the subject's own read":
		out = l.T("your own read with your API key")
	case strings.HasPrefix(what, "credential issued to the holder"):
		out = l.T("to issue a credential to you")
	case strings.HasPrefix(what, "decision shown again to "):
		out = l.T("to show again a decision already taken about you")
	case strings.HasPrefix(what, "decision for "):
		purpose, _, _ := strings.Cut(strings.TrimPrefix(what, "decision for "), " by ")
		if p, ok := candor.ParsePurpose(purpose); ok {
			purpose = l.T(purposeText(p))
		}
		out = l.T("to decide whether you qualify, for %s", purpose)
	default:
		return candor.PurposeWords(recorded)
	}
	if replayed {
		out = l.T("%s; the same decision was shown again, none taken", out)
	}
	return out
}

// readWhat says what each recorded action read, by route pattern (the
// API's and the portal's) or prefix (the console's, which records the
// path read; candor features).
var readWhat = map[string]string{
	"GET /me/grades": "your grades", "GET /me/data": "your facts", "GET /me/export.json": "a copy of all your data",
	"GET /me/export.csv": "a copy of all your data", "GET /me/consents": "your consents", "GET /me/decisions": "the decisions about you",
	"GET /me/access": "who looked at your data", "GET /me/access/{n}/proof": "the proof that a read is in the log",
	"GET /me/data/proofs.json": "the proofs that your facts are in the log", "GET /me/data/{id}/proof": "the proofs that your facts are in the log",
	"GET /me/disputes": "your disputes", "GET /me/disputes/new": "a fact you chose to dispute", "GET /me/erasure": "what erasing your data would remove",
	"GET /me/status": "the statements you can show", "POST /me/status": "a credential about you",

	"GET /v1/me/scores": "your grades", "GET /v1/subjects/{id}/scores": "your grades", "GET /v1/subjects/{id}/scores/{scorecard}": "your grades",
	"GET /v1/me/events": "your facts", "GET /v1/subjects/{id}/events": "your facts", "GET /v1/subjects/{id}": "the summary of your profile",
	"GET /v1/subjects:lookup": "which profile an identifier of yours belongs to",
	"GET /v1/me/access":       "who looked at your data", "GET /v1/subjects/{id}/access": "who looked at your data",
	"GET /v1/me/access/{n}/proof": "the proof that a read is in the log", "GET /v1/subjects/{id}/access/{n}/proof": "the proof that a read is in the log",
	"GET /v1/me/events/proofs": "the proofs that your facts are in the log", "GET /v1/me/events/{id}/proof": "the proofs that your facts are in the log",
	"POST /v1/decisions": "a decision about you", "GET /v1/decisions/{id}": "a decision about you, shown again",
	"GET /v1/me/decisions": "the decisions about you", "GET /v1/reviews": "a decision about you, for its review", "GET /v1/reviews/{id}": "a decision about you, for its review",
	"GET /v1/me/consents": "your consents", "POST /v1/me/consents": "your consents", "GET /v1/me/disputes": "your disputes", "POST /v1/me/disputes": "your disputes",
	"GET /v1/me/credentials": "the credentials issued to you", "GET /v1/me/credentials/offer": "the statements you can show", "POST /v1/me/credentials": "a credential about you",
	"GET /v1/me/links": "the links between your identifiers", "GET /v1/me/erasure": "what erasing your data would remove",
	"GET /v1/me/opt-outs": "your opt-outs",
}

// readWhatPrefixes are readWhat's entries by prefix.
var readWhatPrefixes = []struct{ prefix, what string }{
	{"GET /console/reviews/", "a decision about you, for its review"},
	{"GET /console/disputes/", "your dispute and the fact it contests"},
	{"features ", "your facts, to fit a new scorecard version"},
	{"GET /me/", "a page of yours"},
	{"POST /me/", "a page of yours"},
}

// accessWhat says, in l's language, what an access record's action read.
func (l locale) accessWhat(action string) string {
	route, _, _ := strings.Cut(action, "?")
	if w, ok := readWhat[route]; ok {
		return l.T(w)
	}
	for _, p := range readWhatPrefixes {
		if strings.HasPrefix(route, p.prefix) {
			return l.T(p.what)
		}
	}
	return action
}

// errorPattern matches a message made with errorFormats[i].
var errorPatterns = sync.OnceValue(func() []*regexp.Regexp {
	verb := regexp.MustCompile(`%(\[\d+\])?[sdvq]`)
	out := make([]*regexp.Regexp, len(errorFormats))
	for i, f := range errorFormats {
		parts := verb.Split(f, -1)
		for j := range parts {
			parts[j] = regexp.QuoteMeta(parts[j])
		}
		out[i] = regexp.MustCompile("^" + strings.Join(parts, "(.+?)") + "$")
	}
	return out
})

// message is an error message in l's language: a translated message as
// it is, or one made with an error format, with its arguments; anything
// else in English.
func (l locale) message(msg string) string {
	if l.index == 0 {
		return msg
	}
	if _, ok := personTranslations[msg]; ok {
		return l.T(msg)
	}
	if _, ok := translations[msg]; ok {
		return l.T(msg)
	}
	for i, re := range errorPatterns() {
		m := re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for j, a := range m[1:] {
			a = strings.Trim(a, `"`)
			if _, ok := statementWords[a]; ok {
				a = l.statementTitle(a)
			} else if _, ok := translations[a]; ok {
				a = l.T(a)
			} else if _, ok := personTranslations[a]; ok {
				a = l.T(a)
			}
			args[j] = a
		}
		tr := personTranslations[errorFormats[i]]
		return fmt.Sprintf(l.pick(errorFormats[i], tr, true), args...)
	}
	return msg
}
