# One date format on every page, the admin and the PDF: 2026-12-05 and 2026-12-05 17:07, in
# Korean time (TIME_ZONE). Django's own Korean formats mix "2026년 12월 5일" and "2026-12-5".
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
