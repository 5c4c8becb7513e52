"""The pages stage: any document into pages of positioned words and check boxes."""
