"""course_pkg.reference"""
