"""The meeting's record-keeping: the secretary's notes and conclusions per agenda item,
action items and the decisions list, and the minutes: drafted from the record, edited,
approved, frozen into PDF and DOCX, and signed."""
