"""Japanese names, companies and places for the demo generator (kanji with romaji)."""

SURNAMES = [
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
    ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"),
    ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
    ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"), ("井上", "inoue"),
    ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"),
    ("阿部", "abe"), ("石川", "ishikawa"), ("山下", "yamashita"), ("中島", "nakajima"),
    ("石井", "ishii"), ("小川", "ogawa"), ("前田", "maeda"), ("岡田", "okada"),
    ("長谷川", "hasegawa"), ("藤田", "fujita"), ("後藤", "goto"), ("近藤", "kondo"),
    ("村上", "murakami"), ("遠藤", "endo"), ("青木", "aoki"), ("坂本", "sakamoto"),
    ("斉藤", "saito"), ("福田", "fukuda"), ("太田", "ota"), ("西村", "nishimura"),
    ("藤井", "fujii"), ("金子", "kaneko"), ("岡本", "okamoto"), ("藤原", "fujiwara"),
    ("中野", "nakano"), ("三浦", "miura"), ("原田", "harada"), ("中川", "nakagawa"),
    ("松田", "matsuda"), ("竹内", "takeuchi"), ("小野", "ono"), ("田村", "tamura"),
    ("中山", "nakayama"), ("和田", "wada"), ("石田", "ishida"), ("森田", "morita"),
]

GIVEN_NAMES = [
    ("太郎", "taro"), ("健", "ken"), ("翔太", "shota"), ("大輔", "daisuke"), ("拓也", "takuya"),
    ("直樹", "naoki"), ("誠", "makoto"), ("浩二", "koji"), ("隆", "takashi"), ("亮", "ryo"),
    ("健太", "kenta"), ("和也", "kazuya"), ("達也", "tatsuya"), ("哲也", "tetsuya"),
    ("雄一", "yuichi"), ("修", "osamu"), ("剛", "tsuyoshi"), ("悠人", "yuto"), ("蓮", "ren"),
    ("陽介", "yosuke"), ("花子", "hanako"), ("美咲", "misaki"), ("由美", "yumi"),
    ("恵子", "keiko"), ("真由美", "mayumi"), ("彩", "aya"), ("愛", "ai"), ("優子", "yuko"),
    ("智子", "tomoko"), ("直美", "naomi"), ("陽子", "yoko"), ("麻衣", "mai"), ("結衣", "yui"),
    ("さくら", "sakura"), ("舞", "mai"), ("香織", "kaori"), ("明美", "akemi"), ("奈々", "nana"),
    ("美穂", "miho"), ("沙織", "saori"),
]

COMPANY_CORES = [
    ("東洋", "toyo"), ("大和", "yamato"), ("日本", "nihon"), ("昭和", "showa"), ("平安", "heian"),
    ("青葉", "aoba"), ("三つ葉", "mitsuba"), ("富士", "fuji"), ("旭", "asahi"), ("北斗", "hokuto"),
    ("瑞穂", "mizuho"), ("光", "hikari"), ("新星", "shinsei"), ("紀伊", "kii"), ("若葉", "wakaba"),
    ("双葉", "futaba"), ("大洋", "taiyo"), ("中央", "chuo"), ("丸山", "maruyama"),
    ("松風", "matsukaze"), ("白鷺", "shirasagi"), ("桜井", "sakurai"), ("葵", "aoi"),
    ("朝日", "asahi"), ("銀河", "ginga"), ("東邦", "toho"), ("西海", "saikai"), ("北陸", "hokuriku"),
    ("南海", "nankai"), ("関東", "kanto"), ("近畿", "kinki"), ("明星", "myojo"), ("萬", "yorozu"),
    ("高砂", "takasago"), ("常盤", "tokiwa"), ("千代田", "chiyoda"), ("五十鈴", "isuzu"),
    ("鶴見", "tsurumi"), ("浪速", "naniwa"), ("翠", "midori"),
]

# (suffix, romaji, industry code)
COMPANY_SUFFIXES = [
    ("製作所", "seisakusho", "manufacturing"), ("工業", "kogyo", "manufacturing"),
    ("精機", "seiki", "manufacturing"), ("化学", "kagaku", "manufacturing"),
    ("システムズ", "systems", "it_communications"), ("テクノロジーズ", "tech", "it_communications"),
    ("ソリューションズ", "solutions", "it_communications"), ("通信", "tsushin", "it_communications"),
    ("銀行", "bank", "finance"), ("証券", "securities", "finance"), ("保険", "hoken", "finance"),
    ("商事", "shoji", "retail"), ("ストア", "store", "retail"), ("物産", "bussan", "retail"),
    ("サービス", "service", "services"), ("コンサルティング", "consulting", "services"),
    ("メディカル", "medical", "healthcare"), ("ヘルスケア", "healthcare", "healthcare"),
    ("建設", "kensetsu", "construction"), ("工務店", "komuten", "construction"),
    ("不動産", "fudosan", "real_estate"), ("地所", "jisho", "real_estate"),
    ("学園", "gakuen", "education"), ("教育", "kyoiku", "education"),
]

# (prefecture, region, weight)
PREFECTURES = [
    ("北海道", "北海道", 3), ("宮城県", "東北", 2), ("福島県", "東北", 1), ("東京都", "関東", 34),
    ("神奈川県", "関東", 8), ("埼玉県", "関東", 4), ("千葉県", "関東", 3), ("茨城県", "関東", 1),
    ("新潟県", "中部", 1), ("長野県", "中部", 1), ("静岡県", "中部", 2), ("愛知県", "中部", 7),
    ("大阪府", "関西", 11), ("京都府", "関西", 3), ("兵庫県", "関西", 4), ("広島県", "中国", 2),
    ("岡山県", "中国", 1), ("香川県", "四国", 1), ("愛媛県", "四国", 1), ("福岡県", "九州", 5),
    ("熊本県", "九州", 1), ("鹿児島県", "九州", 1), ("沖縄県", "沖縄", 1),
]
EAST_REGIONS = {"北海道", "東北", "関東", "中部"}

# (title, weight)
TITLES = [
    ("代表取締役", 2), ("取締役", 2), ("執行役員", 2), ("本部長", 3), ("部長", 9), ("課長", 12),
    ("マネージャー", 8), ("室長", 2), ("リーダー", 5), ("係長", 6), ("主任", 9), ("担当", 25),
    ("一般社員", 10), ("", 0.5),
]
DEPARTMENTS = ["営業部", "マーケティング部", "情報システム部", "経営企画部", "総務部", "人事部",
               "製造部", "DX推進室", "カスタマーサクセス部", ""]

FREE_MAIL = ["gmail.com", "yahoo.co.jp", "outlook.jp"]

SFA_USERS = [
    # (name, user id, role, team, manager, speed minutes median, decision business days)
    ("中村 美穂", "0055g00000IS0001", "manager", "IS 東日本", "", None, None),
    ("小林 大輔", "0055g00000IS0002", "manager", "IS 西日本", "", None, None),
    ("佐藤 健", "0055g00000IS0011", "is", "IS 東日本", "中村 美穂", 6, 1.5),
    ("鈴木 彩", "0055g00000IS0012", "is", "IS 東日本", "中村 美穂", 15, 2.0),
    ("高橋 亮", "0055g00000IS0013", "is", "IS 東日本", "中村 美穂", 40, 2.5),
    ("田中 直樹", "0055g00000IS0014", "is", "IS 東日本", "中村 美穂", 600, 4.0),
    ("伊藤 結衣", "0055g00000IS0021", "is", "IS 西日本", "小林 大輔", 10, 2.0),
    ("渡辺 拓也", "0055g00000IS0022", "is", "IS 西日本", "小林 大輔", 25, 2.5),
    ("山本 沙織", "0055g00000IS0023", "is", "IS 西日本", "小林 大輔", 90, 3.0),
    ("加藤 剛", "0055g00000IS0024", "is", "IS 西日本", "小林 大輔", 1500, 4.5),
    ("吉田 誠", "0055g00000FS0001", "manager", "FS エンタープライズ", "", None, None),
    ("山田 浩二", "0055g00000FS0002", "manager", "FS ミッド・SMB", "", None, None),
    ("松本 隆", "0055g00000FS0011", "fs", "FS エンタープライズ", "吉田 誠", None, None),
    ("井上 陽子", "0055g00000FS0012", "fs", "FS エンタープライズ", "吉田 誠", None, None),
    ("木村 悠人", "0055g00000FS0013", "fs", "FS エンタープライズ", "吉田 誠", None, None),
    ("林 和也", "0055g00000FS0021", "fs", "FS ミッド・SMB", "山田 浩二", None, None),
    ("清水 恵子", "0055g00000FS0022", "fs", "FS ミッド・SMB", "山田 浩二", None, None),
    ("森 雄一", "0055g00000FS0023", "fs", "FS ミッド・SMB", "山田 浩二", None, None),
    ("池田 香織", "0055g00000CS0011", "cs", "CS", "吉田 誠", None, None),
    ("橋本 陽介", "0055g00000CS0012", "cs", "CS", "吉田 誠", None, None),
]

# Canonical channel -> (HubSpot "Original Source", Salesforce リードソース, campaign theme)
CHANNELS = {
    "organic_search": ("Organic Search", "自然検索", "SEO コンテンツ"),
    "paid_search": ("Paid Search", "リスティング広告", "リスティング広告"),
    "paid_social": ("Paid Social", "SNS広告", "SNS広告"),
    "event": ("Offline Sources", "展示会", "展示会出展"),
    "webinar": ("Other Campaigns", "ウェビナー", "DX推進ウェビナー"),
    "referral": ("Referrals", "紹介", "パートナー紹介"),
    "direct": ("Direct Traffic", "直接", "デモ依頼"),
    "email": ("Email Marketing", "メール", "メールマガジン"),
}
