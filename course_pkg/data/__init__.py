"""course_pkg.data"""
