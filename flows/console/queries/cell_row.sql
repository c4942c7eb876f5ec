select * from mart.ward_completeness where ward_code = ? and period = ?
