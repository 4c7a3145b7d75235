"""The grant side of support programmes. The Desk keeps the programmes, a company's
application and its reports; here they are decided, granted on a pool (or put on the
waitlist), released in stages, evaluated, extended, and measured against the plan (use it or
lose it). The pages and the API that show a company its grants live here too, and the
programmes' money besides unit-hours: vouchers, what they pay for, and monthly statements."""
