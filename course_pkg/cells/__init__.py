"""course_pkg.cells"""
