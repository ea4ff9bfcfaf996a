"""course_pkg.checks"""
