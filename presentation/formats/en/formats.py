"""Django's date formats, set to the site's own (``presentation.dates``).

With these, ``{{ value|date }}`` and every page of the admin (its change lists, its
date drill-down, its read-only fields) write dates as the site's pages do. What is not
named here (the formats dates are typed in) stays Django's English default.
"""

from presentation import dates

DATE_FORMAT = dates.DAY
SHORT_DATE_FORMAT = dates.DAY
DATETIME_FORMAT = dates.MOMENT
SHORT_DATETIME_FORMAT = dates.MOMENT
MONTH_DAY_FORMAT = dates.DAY_IN_YEAR
YEAR_MONTH_FORMAT = dates.MONTH
