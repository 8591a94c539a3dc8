"""The words of the demo data: project names, and what people write on their timecards."""

PROJECT_NAMES = (
    "Website relaunch",
    "Mobile app",
    "Data warehouse",
    "Support retainer",
    "Cloud migration",
    "Security audit",
    "CRM integration",
    "Design system",
    "Analytics dashboard",
    "API platform",
    "Payment integration",
    "Customer portal",
    "Search overhaul",
    "Internal tools",
)

FEATURES = (
    "the login flow",
    "the checkout",
    "the search page",
    "the reporting dashboard",
    "the CSV export",
    "the REST API",
    "user permissions",
    "the mobile layout",
    "email notifications",
    "the billing module",
    "the admin screens",
    "the onboarding wizard",
    "the data import",
    "single sign-on",
    "the payment gateway",
    "audit logging",
    "the order history",
    "PDF invoices",
    "the caching layer",
    "the nightly batch job",
)

BILLABLE_TASKS = (
    "Implement {feature}",
    "Fix a bug in {feature} (#{ticket})",
    "Code review: {feature}",
    "Sprint planning with {client}",
    "Workshop with {client} on {feature}",
    "Write tests for {feature}",
    "Deploy {feature} to staging",
    "Refactor {feature}",
    "Performance tuning of {feature}",
    "Update the documentation of {feature}",
    "Design review of {feature}",
    "Weekly status call with {client}",
    "Investigate production incident #{ticket}",
    "Estimate change request #{ticket}",
    "Data migration for {feature}",
    "Acceptance testing of {feature} with {client}",
)

NON_BILLABLE_TASKS = (
    "Internal team meeting",
    "Rework of our own defect #{ticket} (not billed)",
    "Onboarding and knowledge transfer",
    "Pre-sales call with {client}",
    "Training: {topic}",
    "Travel to {client} (not billed)",
    "Estimating the next phase for {client}",
    "CI and tooling maintenance",
    "One-on-one with my manager",
    "Hiring interview",
)

TOPICS = (
    "PostgreSQL replication",
    "accessibility",
    "secure coding",
    "the Django upgrade",
    "cloud costs",
)
