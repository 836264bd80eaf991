"""Demo logins shared by the apps' demo data (apps import these constants; portal imports no app)."""

from django.core.management import call_command

from portal.idnumber import make

# People who log in as citizens; the apps' demo seeds give them their records.
XIAN_WORKER_ID = make("61011219850315221")       # 未央区, born 1985-03-15
BOZHOU_PARENT_ID = make("34160219580720312")     # 谯城区, born 1958-07-20
XIAN_WORKER_NAME = "王建国"
BOZHOU_PARENT_NAME = "王德福"
BOZHOU_HOSPITAL = "H34160200001"
BOZHOU_PHARMACY = "P34160200001"

# The demo logins of roles that need a second factor share this TOTP secret (RFC 6238, SHA-1, 6 digits,
# 30 s): add it to an authenticator app (or compute codes with it) to sign in as them. Demo only.
DEMO_OTP_SECRET = "OJSWY2LFMYWXA33SORQWYLLEMVWW6LJS"
DEMO_OTP_ROLES = {"approver", "insurance_officer", "training_staff", "admin"}

# username, role, extra options, where (for the printed table)
DEMO_USERS = [
    ("admin", "admin", {}, "全国"),
    ("caseworker", "caseworker", {"region": "610100", "name": "李民政"}, "陕西省西安市"),
    ("approver", "approver", {"region": "610100", "name": "赵审批"}, "陕西省西安市"),
    ("caseworker_tj", "caseworker", {"region": "120000", "name": "孙民政"}, "天津市"),
    ("approver_tj", "approver", {"region": "120000", "name": "周审批"}, "天津市"),
    ("caseworker_sx", "caseworker", {"region": "610000", "name": "吴民政"}, "陕西省"),
    ("approver_sx", "approver", {"region": "610000", "name": "郑审批"}, "陕西省"),
    ("caseworker_bz", "caseworker", {"region": "341602", "name": "许民政"}, "安徽省亳州市谯城区"),
    ("officer", "insurance_officer", {"name": "钱医保"}, "全国"),
    ("officer_bz", "insurance_officer", {"region": "341600", "name": "冯医保"}, "安徽省亳州市"),
    ("insured", "insured", {"id_number": XIAN_WORKER_ID, "name": XIAN_WORKER_NAME}, "陕西省西安市未央区"),
    ("insured_parent", "insured", {"id_number": BOZHOU_PARENT_ID, "name": BOZHOU_PARENT_NAME}, "安徽省亳州市谯城区"),
    ("hospital", "institution", {"institution": BOZHOU_HOSPITAL, "name": "亳州市人民医院"}, "安徽省亳州市谯城区"),
    ("pharmacy", "institution", {"institution": BOZHOU_PHARMACY, "name": "亳州市华佗大药房"}, "安徽省亳州市谯城区"),
    ("trainer", "training_staff", {"region": "341600", "name": "陈培训"}, "安徽省亳州市"),
]


def seed(stdout, *, password: str):
    logins = []
    for username, role, extra, where in DEMO_USERS:
        args = ["--username", username, "--password", password, "--role", role]
        for key, value in extra.items():
            args += [f"--{key.replace('_', '-')}", value]
        if role in DEMO_OTP_ROLES:
            args += ["--otp-secret", DEMO_OTP_SECRET]
        call_command("create_portal_user", *args, stdout=stdout)
        logins.append((username, role, where))
    return logins
