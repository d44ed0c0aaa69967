#!/usr/bin/env python3
"""Static news site generator for the crawl benchmark (issue 6). Deterministic: the same arguments give the
same bytes (and the same file times, so nginx gives the same ETags).

    python3 scripts/sitegen.py --out DIR --articles N [--base-port P] [--hosts 5] [--seed 6]

Writes, for hosts h = 0..4 served at http://127.0.0.1:(P+h)/ from DIR/h<h>/:
- N article pages of 100-150 KiB each, like a news CMS: inline CSS, inline and trailing scripts, a state
  blob, a mega menu (twice, desktop and mobile), breadcrumbs, the article (headline, lead, 4-9 paragraphs, a
  figure, an inline "related" box, the author), tags, a share bar, 5-20 reader comments, "same section",
  "most read" and "latest" lists, ads and a footer. Hosts 0, 1 and 4 are Vietnamese, 2 Thai, 3 English.
- N/100 RSS 2.0 feeds of 100 items each: feed f holds articles 100f..100f+99 and lives on host f mod 5, at
  /rss/feed-<f>.xml.
- robots.txt per host (allow everything), and in DIR: urls.txt (every article), feeds.txt (every feed),
  manifest.json (the arguments and totals; the benchmark reuses a site whose manifest matches).

Text is drawn from per-language word lists with a seeded PRNG per article, so every article is unique (no
duplicates by content hash) and the same on every run.
"""

import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from html import escape

GENERATOR_VERSION = 2
FEED_ITEMS = 100
BASE_TIME = datetime(2026, 11, 27, 8, 0, 0, tzinfo=timezone.utc)

# ---- vocabularies --------------------------------------------------------------------------------------------

VI_WORDS = """Bộ Ngoại giao|Việt Nam|hợp tác|phát triển|kinh tế|quan hệ|hai nước|đối tác|chiến lược|toàn diện|
thúc đẩy|đầu tư|thương mại|du lịch|giáo dục|văn hóa|an ninh|quốc phòng|khu vực|quốc tế|Liên hợp quốc|ASEAN|
Thủ tướng|Chủ tịch nước|Bộ trưởng|Đại sứ|phái đoàn|hội nghị|cuộc họp|tuyên bố|thỏa thuận|ký kết|biên bản ghi nhớ|
doanh nghiệp|người dân|cộng đồng|kiều bào|chính sách|năm 2026|tăng trưởng|xuất khẩu|nhập khẩu|nông sản|công nghệ|
chuyển đổi số|năng lượng|môi trường|biến đổi khí hậu|hòa bình|ổn định|thịnh vượng|đánh giá cao|khẳng định|
nhấn mạnh|cho biết|bày tỏ|mong muốn|tiếp tục|tăng cường|mở rộng|làm sâu sắc|trong thời gian tới|vừa qua|
sáng nay|tại Hà Nội|tại Thành phố Hồ Chí Minh|Đà Nẵng|Thái Lan|Nhật Bản|Hàn Quốc|Hoa Kỳ|Liên minh châu Âu|
Australia|Ấn Độ|Lào|Campuchia|Singapore|Indonesia|Malaysia|Philippines|và|của|các|những|với|trong|về|để|đã|
sẽ|đang|được|là|có|này|cũng|nhiều|một|hai|ba|theo|từ|cho|tới|đến|như|khi|nhằm|lĩnh vực|hiệu quả|thực chất|
quan trọng|tích cực|mạnh mẽ|bền vững|người phát ngôn|phóng viên|câu hỏi|trả lời|lập trường|nhất quán|
giải quyết|tranh chấp|biện pháp|luật pháp|Biển Đông|cơ chế|đa phương|song phương|kim ngạch|tỷ USD|
lao động|việc làm|y tế|khoa học|đổi mới sáng tạo|hạ tầng|giao thông|logistics|chuỗi cung ứng|thị trường|
cơ hội|thách thức|kết nối|giao lưu|nhân dân|truyền thống|hữu nghị|tin cậy|chính trị|ngoại giao|
đoàn kết|trách nhiệm|đóng góp|vai trò|vị thế|uy tín|thành tựu|kết quả|triển khai|thực hiện|cam kết|
Chính phủ|Quốc hội|địa phương|tỉnh|thành phố|nông thôn|đô thị|sinh viên|học bổng|di sản|lễ hội|
nghệ thuật|triển lãm|thể thao|sức khỏe|phụ nữ|trẻ em|thanh niên|tương lai|hôm nay|tuần tới|tháng 12""".replace(
    "\n", ""
).split("|")

TH_WORDS = """ประเทศไทย|เวียดนาม|ความร่วมมือ|เศรษฐกิจ|การค้า|การลงทุน|การท่องเที่ยว|รัฐบาล|นายกรัฐมนตรี|
รัฐมนตรี|กระทรวงการต่างประเทศ|ความสัมพันธ์|ทวิภาคี|ภูมิภาค|อาเซียน|การประชุม|ผู้แทน|เอกอัครราชทูต|ประชาชน|
ธุรกิจ|การพัฒนา|อย่างยั่งยืน|ส่งเสริม|เพิ่มขึ้น|ร้อยละ|ในปี|ที่ผ่านมา|ระหว่าง|และ|ของ|ใน|ที่|ได้|จะ|มี|เป็น|
กับ|โดย|เพื่อ|ให้|ว่า|ซึ่ง|ทั้งสอง|ฝ่าย|ยืนยัน|กล่าวว่า|เน้นย้ำ|สนับสนุน|ความมั่นคง|สันติภาพ|เสถียรภาพ|
วัฒนธรรม|การศึกษา|เทคโนโลยี|ดิจิทัล|พลังงาน|สิ่งแวดล้อม|การเปลี่ยนแปลงสภาพภูมิอากาศ|กรุงเทพฯ|ฮานอย|
นครโฮจิมินห์|สินค้าเกษตร|การส่งออก|การนำเข้า|ข้อตกลง|บันทึกความเข้าใจ|ลงนาม|ครั้งนี้|วันนี้|
เมื่อวันที่ 27 พฤศจิกายน|นักลงทุน|ตลาด|โอกาส|ความท้าทาย|ยุทธศาสตร์|หุ้นส่วน|รอบด้าน|แรงงาน|สาธารณสุข|
โครงสร้างพื้นฐาน|การขนส่ง|ห่วงโซ่อุปทาน|มิตรภาพ|ความเชื่อมั่น|การเมือง|การทูต|บทบาท|ความสำเร็จ|ผลลัพธ์|
ดำเนินการ|ความมุ่งมั่น|สภาผู้แทนราษฎร|ท้องถิ่น|จังหวัด|นักศึกษา|ทุนการศึกษา|มรดก|เทศกาล|ศิลปะ|นิทรรศการ|
กีฬา|สุขภาพ|สตรี|เด็ก|เยาวชน|อนาคต|สัปดาห์หน้า|เดือนธันวาคม|อย่างต่อเนื่อง|อย่างใกล้ชิด|มากขึ้น""".replace(
    "\n", ""
).split("|")

EN_WORDS = """the|the|the|of|of|and|and|to|in|in|a|for|on|with|as|by|at|from|that|this|will|has|have|is|are|was|
were|be|been|its|their|two|countries|cooperation|development|economic|relations|partners|strategic|
comprehensive|investment|trade|tourism|education|culture|security|defence|region|regional|international|
United Nations|ASEAN|Prime Minister|President|Minister|Ambassador|delegation|conference|meeting|statement|
agreement|signed|memorandum|businesses|people|community|policy|2026|growth|exports|imports|agricultural|
technology|digital transformation|energy|environment|climate change|peace|stability|prosperity|highly|
affirmed|stressed|said|expressed|hoped|continue|strengthen|expand|deepen|in the coming time|recently|
this morning|in Hanoi|in Ho Chi Minh City|Da Nang|Thailand|Japan|South Korea|the United States|
the European Union|Australia|India|Laos|Cambodia|Singapore|Indonesia|Malaysia|the Philippines|spokesperson|
reporters|questions|answered|position|consistent|resolve|disputes|peaceful|means|law|the East Sea|
mechanism|multilateral|bilateral|turnover|billion USD|labour|jobs|health|science|innovation|infrastructure|
transport|logistics|supply chains|markets|opportunities|challenges|connectivity|exchanges|traditional|
friendship|trust|political|diplomatic|solidarity|responsibility|contribution|role|position|prestige|
achievements|results|implementation|commitment|Government|National Assembly|local|province|city|rural|
urban|students|scholarships|heritage|festival|art|exhibition|sports|women|children|youth|future|today|
next week|in December|significant|important|effective|substantive|positive|sustainable|further|new|major""".replace(
    "\n", ""
).split("|")

LANG_OF_HOST = ["vi", "vi", "th", "en", "vi"]

CHROME = {
    "vi": {
        "site": ["Báo Quốc tế", "Tin Thế Giới", "Thời báo Đối ngoại", "Báo Quốc tế", "Nhịp sống Toàn cầu"],
        "sections": [
            "Thời sự", "Thế giới", "Ngoại giao", "Kinh tế", "Văn hóa", "Người Việt bốn phương", "Thể thao",
            "Du lịch", "Giáo dục", "Sức khỏe", "Công nghệ", "Multimedia",
        ],
        "home": "Trang chủ",
        "related": "Tin liên quan",
        "same": "Cùng chuyên mục",
        "most": "Đọc nhiều",
        "latest": "Tin mới nhất",
        "comments": "Bình luận",
        "send": "Gửi bình luận",
        "share": ["Chia sẻ", "Facebook", "Zalo", "Sao chép liên kết", "In bài"],
        "tags": "Từ khóa",
        "views": "lượt xem",
        "ago": ["phút trước", "giờ trước"],
        "photo": "Ảnh",
        "footer": [
            "Cơ quan chủ quản: Bộ Ngoại giao", "Tổng Biên tập: Nguyễn Văn A",
            "Giấy phép số 123/GP-BTTTT cấp ngày 01/01/2024", "Địa chỉ: 19 Lê Thánh Tông, Hoàn Kiếm, Hà Nội",
            "Điện thoại: 024 3826 0000", "Email: toasoan@example.vn",
            "Bản quyền thuộc về Báo. Cấm sao chép dưới mọi hình thức nếu không có sự chấp thuận bằng văn bản.",
        ],
    },
    "th": {
        "site": ["", "", "หนังสือพิมพ์โลกและเวียดนาม", "", ""],
        "sections": [
            "ข่าวเด่น", "ต่างประเทศ", "การทูต", "เศรษฐกิจ", "วัฒนธรรม", "ชุมชนเวียดนาม", "กีฬา", "ท่องเที่ยว",
            "การศึกษา", "สุขภาพ", "เทคโนโลยี", "มัลติมีเดีย",
        ],
        "home": "หน้าแรก",
        "related": "ข่าวที่เกี่ยวข้อง",
        "same": "ข่าวในหมวดเดียวกัน",
        "most": "อ่านมากที่สุด",
        "latest": "ข่าวล่าสุด",
        "comments": "ความคิดเห็น",
        "send": "ส่งความคิดเห็น",
        "share": ["แชร์", "Facebook", "LINE", "คัดลอกลิงก์", "พิมพ์"],
        "tags": "คำสำคัญ",
        "views": "ครั้ง",
        "ago": ["นาทีที่แล้ว", "ชั่วโมงที่แล้ว"],
        "photo": "ภาพ",
        "footer": [
            "หน่วยงานต้นสังกัด: กระทรวงการต่างประเทศเวียดนาม", "บรรณาธิการบริหาร: เหงียน วัน เอ",
            "ที่อยู่: 19 ถนนเลแทงตง ฮานอย", "โทรศัพท์: +84 24 3826 0000", "อีเมล: thai@example.vn",
            "สงวนลิขสิทธิ์ ห้ามคัดลอกโดยไม่ได้รับอนุญาตเป็นลายลักษณ์อักษร",
        ],
    },
    "en": {
        "site": ["", "", "", "The World and Vietnam Report", ""],
        "sections": [
            "News", "World", "Diplomacy", "Economy", "Culture", "Overseas Vietnamese", "Sports", "Travel",
            "Education", "Health", "Technology", "Multimedia",
        ],
        "home": "Home",
        "related": "Related news",
        "same": "In the same section",
        "most": "Most read",
        "latest": "Latest",
        "comments": "Comments",
        "send": "Post comment",
        "share": ["Share", "Facebook", "X", "Copy link", "Print"],
        "tags": "Tags",
        "views": "views",
        "ago": ["minutes ago", "hours ago"],
        "photo": "Photo",
        "footer": [
            "Governing body: Ministry of Foreign Affairs", "Editor-in-chief: Nguyen Van A",
            "Licence No. 123/GP-BTTTT of 01/01/2024", "Address: 19 Le Thanh Tong, Hoan Kiem, Hanoi",
            "Tel: +84 24 3826 0000", "Email: english@example.vn",
            "All rights reserved. No reproduction without written permission.",
        ],
    },
}
SUBSECTIONS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
CSS_PROPS = [
    "margin:0 auto", "padding:{a}px {b}px", "color:#{c}", "background:#{c}", "font-size:{a}px",
    "line-height:1.{b}", "display:flex", "display:block", "position:relative", "border-bottom:1px solid #{c}",
    "width:{p}%", "max-width:{w}px", "overflow:hidden", "text-overflow:ellipsis", "white-space:nowrap",
    "font-family:Roboto,Arial,sans-serif", "transition:all .{b}s ease", "border-radius:{a}px",
    "box-shadow:0 {a}px {b}px rgba(0,0,0,.{b})", "grid-template-columns:repeat({b},1fr)", "gap:{a}px",
]
CSS_NAMES = [
    "header", "top-bar", "logo", "main-menu", "sub-menu", "menu-mobile", "breadcrumb", "detail", "detail-title",
    "detail-sapo", "detail-content", "detail-meta", "box-related", "box-comment", "comment-item", "box-same",
    "box-mostread", "box-latest", "sidebar", "ads", "footer", "footer-links", "share-bar", "tags", "story",
    "story-thumb", "story-title", "story-sapo", "btn", "icon", "search", "weather", "clock", "video", "gallery",
]


def words_of(lang):
    return {"vi": VI_WORDS, "th": TH_WORDS, "en": EN_WORDS}[lang]


def sentence(rng, lang, lo=12, hi=26):
    words = words_of(lang)
    n = rng.randint(lo, hi)
    picked = rng.choices(words, k=n)
    if lang == "th":
        # Thai: no spaces between words; a space separates clauses.
        cut = rng.randint(3, max(4, n - 3))
        return "".join(picked[:cut]) + " " + "".join(picked[cut:])
    cut = rng.randint(3, max(4, n - 3))
    picked[cut] = picked[cut] + ","
    s = " ".join(picked)
    return s[0].upper() + s[1:] + "."


def paragraph(rng, lang):
    return " ".join(sentence(rng, lang) for _ in range(rng.randint(2, 5)))


def title_of(seed, i, lang):
    rng = random.Random(f"{seed}:title:{i}")
    words = words_of(lang)
    n = rng.randint(6, 12) if lang != "th" else rng.randint(4, 7)
    picked = rng.choices(words, k=n)
    t = ("".join(picked) if lang == "th" else " ".join(picked)) + f" ({i})"
    return t[0].upper() + t[1:]


def sapo_of(seed, i, lang):
    return sentence(random.Random(f"{seed}:sapo:{i}"), lang, 18, 30)


def slugify(i):
    return f"tin-{i:06d}"


# ---- site layout --------------------------------------------------------------------------------------------


class Site:
    def __init__(self, args):
        self.seed = args.seed
        self.n = args.articles
        self.hosts = args.hosts
        self.base_port = args.base_port
        self.titles = []
        self.sapos = []
        for i in range(self.n):
            lang = self.lang(i)
            self.titles.append(title_of(self.seed, i, lang))
            self.sapos.append(sapo_of(self.seed, i, lang))
        self.chrome = [self.host_chrome(h) for h in range(self.hosts)]

    def host(self, i):
        return (i // FEED_ITEMS) % self.hosts

    def lang(self, i):
        return LANG_OF_HOST[self.host(i) % len(LANG_OF_HOST)]

    def origin(self, h):
        return f"http://127.0.0.1:{self.base_port + h}"

    def published(self, i):
        # Newest article is the highest number; three minutes apart.
        return BASE_TIME - timedelta(minutes=3 * (self.n - i))

    def path(self, i):
        d = self.published(i)
        return f"/{d:%Y}/{d:%m}/{slugify(i)}.html"

    def url(self, i):
        return self.origin(self.host(i)) + self.path(i)

    def same_host_neighbours(self, rng, i, k):
        h = self.host(i)
        pool = [j for j in range(max(0, i - 400), min(self.n, i + 400)) if self.host(j) == h and j != i]
        return rng.sample(pool, min(k, len(pool)))

    # -- chrome shared by every page of a host (as on a real site) --

    def host_chrome(self, h):
        rng = random.Random(f"{self.seed}:host:{h}")
        lang = LANG_OF_HOST[h % len(LANG_OF_HOST)]
        c = CHROME[lang]
        site = c["site"][h] or CHROME["vi"]["site"][h]
        origin = self.origin(h)

        css = []
        while sum(len(x) for x in css) < rng.randint(18000, 24000):
            name = rng.choice(CSS_NAMES)
            sel = f".{name}" + (f" .{rng.choice(CSS_NAMES)}" if rng.random() < 0.6 else "")
            if rng.random() < 0.3:
                sel += rng.choice([":hover", " a", " img", " h3", " p", ">li", ":first-child"])
            props = ";".join(
                p.format(a=rng.randint(0, 40), b=rng.randint(1, 9), c=f"{rng.randrange(16**6):06x}",
                         p=rng.randint(10, 100), w=rng.randint(300, 1400))
                for p in rng.sample(CSS_PROPS, rng.randint(2, 6))
            )
            rule = f"{sel}{{{props}}}"
            if rng.random() < 0.08:
                rule = f"@media (max-width:{rng.choice([480, 768, 1024])}px){{{rule}}}"
            css.append(rule)
        style = "<style>" + "".join(css) + "</style>"

        def js_blob(target):
            parts = []
            size = 0
            while size < target:
                fn = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(1, 3)))
                a, b = rng.randint(0, 999), rng.randint(0, 999)
                part = rng.choice([
                    f"function {fn}(e,t){{var n=e||{{}};return n.{fn}={a}*t+{b},n}}",
                    f"var {fn}=document.querySelectorAll('.{rng.choice(CSS_NAMES)}');for(var i=0;i<{fn}.length;i++){{{fn}[i].addEventListener('click',function(e){{e.preventDefault();window.dataLayer.push({{event:'{fn}',v:{a}}})}})}}",
                    f"window.__cfg_{fn}={{slot:'/{a}/{b}/{rng.choice(CSS_NAMES)}',sizes:[[300,250],[728,90]],lazy:!0}};",
                    f"try{{if(localStorage.getItem('{fn}')>{a}){{{fn}({b})}}}}catch(x){{console.warn(x)}}",
                    f"!function(w,d){{var s=d.createElement('script');s.async=1;s.src='https://cdn.example.net/{fn}.{b}.js';d.head.appendChild(s)}}(window,document);",
                ])
                parts.append(part)
                size += len(part)
            return ";".join(parts)

        head_js = (
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
            "gtag('js',new Date());gtag('config','G-XXXXXXX');</script>"
            "<script>" + js_blob(rng.randint(4000, 6000)) + "</script>"
        )
        tail_js = "<script>" + js_blob(rng.randint(9000, 12000)) + "</script>"

        menu = ['<ul class="menu-list">', f'<li class="menu-item home"><a href="{origin}/">{c["home"]}</a></li>']
        for si, s in enumerate(c["sections"]):
            menu.append(f'<li class="menu-item has-sub"><a href="{origin}/chuyen-muc-{si}/">{escape(s)}</a>'
                        '<ul class="sub-menu">')
            for sub in SUBSECTIONS[: rng.randint(4, 8)]:
                label = escape(s) + " " + escape(" ".join(rng.choices(words_of(lang), k=2)) if lang != "th"
                                                 else "".join(rng.choices(words_of(lang), k=2)))
                menu.append(f'<li><a href="{origin}/chuyen-muc-{si}/{sub}/" title="{label}">{label}</a></li>')
            menu.append("</ul></li>")
        menu.append("</ul>")
        menu_html = "".join(menu)
        header = (
            '<header class="site-header" id="header"><div class="top-bar"><div class="container">'
            f'<span class="clock" id="clock"></span><span class="weather">Hà Nội 24°C</span>'
            f'<a class="logo" href="{origin}/"><img src="{origin}/static/logo.svg" alt="{escape(site)}" '
            'width="220" height="48"></a>'
            '<form class="search" action="/tim-kiem"><input type="text" name="q"><button>Tìm</button></form>'
            "</div></div>"
            f'<nav class="main-menu" role="navigation">{menu_html}</nav></header>'
            f'<div class="menu-mobile" hidden>{menu_html}</div>'
        )
        footer_links = "".join(
            f'<li><a href="{origin}/chuyen-muc-{si}/">{escape(s)}</a></li>' for si, s in enumerate(c["sections"])
        )
        footer = (
            '<footer class="footer" id="footer"><div class="container"><div class="footer-top">'
            f'<a class="logo" href="{origin}/">{escape(site)}</a><ul class="footer-links">{footer_links}</ul></div>'
            '<div class="footer-info">' + "".join(f"<p>{escape(x)}</p>" for x in c["footer"]) + "</div>"
            '<div class="footer-apps"><a href="#">App Store</a><a href="#">Google Play</a></div>'
            "</div></footer>"
        )
        ad = lambda slot: (  # noqa: E731
            f'<div class="ads ads-{slot}"><ins class="adsbygoogle" data-ad-slot="{slot}" '
            'data-ad-format="auto"></ins><script>(adsbygoogle=window.adsbygoogle||[]).push({});</script></div>'
        )
        return {
            "lang": lang, "site": site, "style": style, "head_js": head_js, "tail_js": tail_js,
            "header": header, "footer": footer, "ad": ad, "c": c, "origin": origin,
        }

    # -- one page --

    def story(self, j, cls, with_sapo=True):
        url = self.url(j)
        img = f'<a class="story-thumb" href="{url}"><img src="{self.origin(self.host(j))}/img/{j}.jpg" ' \
              f'alt="{escape(self.titles[j])}" loading="lazy" width="240" height="160"></a>'
        sapo = f'<p class="story-sapo">{escape(self.sapos[j])}</p>' if with_sapo else ""
        # Cards are <div>s: presswatch keeps a chrome box that contains an <article> (clean.rs guards against
        # removing the article), so <article> cards would put the "same section" list into the text.
        return (f'<div class="story {cls}">{img}<h3 class="story-title"><a href="{url}" '
                f'title="{escape(self.titles[j])}">{escape(self.titles[j])}</a></h3>{sapo}</div>')

    def page(self, i):
        rng = random.Random(f"{self.seed}:page:{i}")
        h = self.host(i)
        ch = self.chrome[h]
        c, lang, origin = ch["c"], ch["lang"], ch["origin"]
        url, title, sapo = self.url(i), self.titles[i], self.sapos[i]
        pub = self.published(i)
        section = rng.randrange(len(c["sections"]))
        author = rng.choice(["Minh Anh", "Thu Hà", "Quang Huy", "Ngọc Lan", "Đức Thắng", "Hải Yến"])

        paras = [paragraph(rng, lang) for _ in range(rng.randint(4, 9))]
        related = self.same_host_neighbours(rng, i, 3 + 12 + 10 + 15)
        inline_rel, same, most, latest = related[:3], related[3:15], related[15:25], related[25:]

        body = []
        for k, p in enumerate(paras):
            body.append(f"<p>{escape(p)}</p>")
            if k == 0:
                body.append(
                    f'<figure class="image"><img src="{origin}/img/{i}-1.jpg" alt="{escape(title)}" width="800" '
                    f'height="533"><figcaption>{escape(sentence(rng, lang, 6, 12))} ({c["photo"]}: '
                    f"{author})</figcaption></figure>"
                )
            if k == 2 and len(paras) > 4:
                body.append(
                    f'<div class="box-related inline"><h4>{c["related"]}</h4><ul>'
                    + "".join(f'<li><a href="{self.url(j)}">{escape(self.titles[j])}</a></li>' for j in inline_rel)
                    + "</ul></div>"
                )
        body.append(f'<p class="author"><strong>{author}</strong></p>')

        comments = []
        for _ in range(rng.randint(5, 20)):
            who = rng.choice(["Nguyễn Văn Bình", "Trần Thị Mai", "Lê Hoàng", "Somchai", "John Smith", "Phạm Long"])
            comments.append(
                f'<li class="comment-item"><div class="comment-head"><b>{who}</b> '
                f'<span class="comment-time">{rng.randint(1, 59)} {c["ago"][0]}</span></div>'
                f'<div class="comment-body">{escape(sentence(rng, lang, 8, 40))}</div>'
                f'<div class="comment-actions"><a href="#">Thích</a> <span class="like-count">{rng.randint(0, 300)}'
                '</span> <a href="#">Trả lời</a></div></li>'
            )
        tags = rng.sample(words_of(lang), 6)
        json_ld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "description": sapo, "mainEntityOfPage": url, "datePublished": pub.isoformat(),
            "dateModified": pub.isoformat(), "author": {"@type": "Person", "name": author},
            "publisher": {"@type": "Organization", "name": ch["site"],
                          "logo": {"@type": "ImageObject", "url": origin + "/static/logo.svg"}},
            "image": [f"{origin}/img/{i}-1.jpg"], "articleSection": c["sections"][section], "keywords": tags,
        }, ensure_ascii=False)

        head = (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} | {escape(ch['site'])}</title>"
            f'<meta name="description" content="{escape(sapo)}">'
            f'<meta name="keywords" content="{escape(", ".join(tags))}">'
            f'<link rel="canonical" href="{url}">'
            f'<meta property="og:url" content="{url}"><meta property="og:type" content="article">'
            f'<meta property="og:title" content="{escape(title)}">'
            f'<meta property="og:description" content="{escape(sapo)}">'
            f'<meta property="og:image" content="{origin}/img/{i}-1.jpg">'
            f'<meta property="og:site_name" content="{escape(ch["site"])}">'
            f'<meta property="article:published_time" content="{pub.isoformat()}">'
            f'<meta property="article:section" content="{escape(c["sections"][section])}">'
            f'<link rel="alternate" type="application/rss+xml" href="{origin}/rss/feed-{i // FEED_ITEMS}.xml">'
            f'<link rel="stylesheet" href="{origin}/static/main.css?v=20261127">'
            f'<script type="application/ld+json">{json_ld}</script>'
            + ch["style"] + ch["head_js"] + "</head>"
        )
        share = "".join(f'<a class="share-item" href="#">{escape(s)}</a>' for s in c["share"])
        main = (
            '<main class="main"><div class="container"><div class="breadcrumb">'
            f'<a href="{origin}/">{c["home"]}</a> › <a href="{origin}/chuyen-muc-{section}/">'
            f"{escape(c['sections'][section])}</a></div>"
            + ch["ad"]("top-970x250")
            + '<div class="row"><div class="col-main"><article class="detail" itemscope '
            'itemtype="https://schema.org/NewsArticle">'
            f'<h1 class="detail-title" itemprop="headline">{escape(title)}</h1>'
            f'<div class="detail-meta"><span class="detail-time">{pub:%d/%m/%Y %H:%M}</span> '
            f'<span class="detail-views">{rng.randint(100, 99999)} {c["views"]}</span>'
            f'<div class="share-bar">{share}</div></div>'
            f'<h2 class="detail-sapo">{escape(sapo)}</h2>'
            f'<div class="detail-content" itemprop="articleBody">{"".join(body)}</div>'
            f'<div class="tags"><span>{c["tags"]}:</span>'
            + "".join(f'<a href="{origin}/tag/{k}.html">{escape(t)}</a>' for k, t in enumerate(tags))
            + f'</div><div class="share-bar bottom">{share}</div></article>'
            + ch["ad"]("inarticle-728x90")
            + f'<div class="box-comment" id="comments"><h3>{c["comments"]} ({len(comments)})</h3>'
            f'<form class="comment-form"><textarea name="c"></textarea><button>{c["send"]}</button></form>'
            f'<ul class="comment-list">{"".join(comments)}</ul></div>'
            f'<section class="box-same-category"><h3>{c["same"]}</h3>'
            + "".join(self.story(j, "same") for j in same)
            + "</section></div>"
            f'<aside class="sidebar col-side"><div class="box-mostread"><h3>{c["most"]}</h3><ol>'
            + "".join(f"<li>{self.story(j, 'most', False)}</li>" for j in most)
            + "</ol></div>" + ch["ad"]("side-300x600")
            + f'<div class="box-latest"><h3>{c["latest"]}</h3>'
            + "".join(self.story(j, "latest", False) for j in latest)
            + "</div>" + ch["ad"]("side-300x250") + "</aside></div></div></main>"
        )
        before_state = head + "<body>" + ch["header"] + main + ch["footer"]
        after_state = ch["tail_js"] + "</body></html>"

        # A framework state blob (as Next/Nuxt sites have) pads the page to its drawn size of 100-150 KiB.
        target = rng.randint(100 * 1024, 150 * 1024)
        used = len(before_state.encode()) + len(after_state.encode())
        state = {"page": {"id": i, "url": url, "section": section}, "items": []}
        blob = "<script>window.__STATE__=" + json.dumps(state, ensure_ascii=False) + "</script>"
        k = 0
        items = []
        budget = target - used - len(blob.encode())
        while budget > 0:
            j = (i * 7919 + k * 104729) % self.n
            item = {"id": j, "t": self.titles[j], "s": self.sapos[j], "u": self.url(j),
                    "img": f"/img/{j}.jpg", "v": rng.randint(0, 99999)}
            enc = json.dumps(item, ensure_ascii=False)
            items.append(item)
            budget -= len(enc.encode()) + 1
            k += 1
        state["items"] = items
        blob = "<script>window.__STATE__=" + json.dumps(state, ensure_ascii=False) + "</script>"
        return before_state + blob + after_state

    def feed(self, f):
        h = f % self.hosts
        ch = self.chrome[h]
        origin = ch["origin"]
        ids = [i for i in range(f * FEED_ITEMS, min(self.n, (f + 1) * FEED_ITEMS))]
        items = []
        for i in reversed(ids):
            d = self.published(i)
            desc = escape(f'<img src="{origin}/img/{i}.jpg"> {self.sapos[i]}')
            items.append(
                "<item>"
                f"<title>{escape(self.titles[i])}</title><link>{self.url(i)}</link>"
                f'<guid isPermaLink="false">{h}-{i}</guid>'
                f"<pubDate>{d:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
                f"<description>{desc}</description>"
                f'<enclosure url="{origin}/img/{i}.jpg" type="image/jpeg" length="0"/>'
                "</item>"
            )
        last = self.published(ids[-1])
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(ch['site'])} - feed {f}</title><link>{origin}/</link>"
            f"<description>{escape(ch['site'])}</description><language>{ch['lang']}</language>"
            f"<lastBuildDate>{last:%a, %d %b %Y %H:%M:%S} +0000</lastBuildDate>"
            + "".join(items)
            + "</channel></rss>\n"
        )


def write(path, text, mtime):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.utime(path, (mtime, mtime))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--base-port", type=int, default=8401)
    ap.add_argument("--hosts", type=int, default=5)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    if args.articles <= 0 or args.articles % FEED_ITEMS:
        sys.exit(f"sitegen: --articles must be a positive multiple of {FEED_ITEMS}")
    site = Site(args)
    out = args.out
    os.makedirs(out, exist_ok=True)
    total = 0
    for h in range(args.hosts):
        write(os.path.join(out, f"h{h}", "robots.txt"), "User-agent: *\nAllow: /\n", BASE_TIME.timestamp())
    for i in range(args.articles):
        html = site.page(i)
        total += len(html.encode())
        write(os.path.join(out, f"h{site.host(i)}") + site.path(i), html, site.published(i).timestamp())
    feeds = []
    for f in range(args.articles // FEED_ITEMS):
        h = f % args.hosts
        write(os.path.join(out, f"h{h}", "rss", f"feed-{f}.xml"), site.feed(f), BASE_TIME.timestamp())
        feeds.append(f"{site.origin(h)}/rss/feed-{f}.xml")
    with open(os.path.join(out, "urls.txt"), "w") as fh:
        fh.writelines(site.url(i) + "\n" for i in range(args.articles))
    with open(os.path.join(out, "feeds.txt"), "w") as fh:
        fh.writelines(u + "\n" for u in feeds)
    manifest = {
        "generator_version": GENERATOR_VERSION, "articles": args.articles, "hosts": args.hosts,
        "base_port": args.base_port, "seed": args.seed, "feeds": len(feeds), "html_bytes": total,
        "avg_page_bytes": total // args.articles,
        "lang_of_host": [LANG_OF_HOST[h % len(LANG_OF_HOST)] for h in range(args.hosts)],
        "pages_by_lang": {
            lang: sum(site.lang(i) == lang for i in range(args.articles)) for lang in ("vi", "th", "en")
        },
    }
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    print(f"sitegen: {args.articles} pages ({total / 2**20:.1f} MiB, {total // args.articles // 1024} KiB "
          f"average), {len(feeds)} feeds, {args.hosts} hosts on ports {args.base_port}-"
          f"{args.base_port + args.hosts - 1}, in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
